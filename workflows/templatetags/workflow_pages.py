"""Labels of the steps, their outcomes and states for the pages (titles from ``workflows.steps``)."""

from django import template

from .. import steps
from ..models import Step

register = template.Library()

STATE_TONES = {"open": "amber", "claimed": "blue", "done": "green", "cancelled": "grey"}


@register.filter
def node_label(node: str) -> str:
    return steps.title(node)


@register.filter
def outcome_label(step: Step) -> str:
    """How the timeline names a finished step's outcome (the filter takes the step)."""
    return steps.outcome_label(step.node, step.outcome)


@register.filter
def state_tone(state: str) -> str:
    return STATE_TONES.get(state, "grey")
