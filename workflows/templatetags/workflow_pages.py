"""Labels of the steps, their outcomes and states for the pages (titles from ``workflows.steps``)."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext

from approvals.templatetags.approvals_pages import escape_text, escaped_once, local_time_text

from .. import steps
from ..clocks import today
from ..models import Step
from .workflow_clocks import due

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


@register.simple_tag(takes_context=True)
def queue_rows(context, page, scope: str, tasks_url: str) -> str:
    """The rows of a queue page (``QueueRow`` values), written here rather than by the template: the
    rows were most of the page, and each row's dozen template variables and filters cost more than
    the query that read them. The markup is the template's, row for row."""
    csrf_token = context.get("csrf_token")
    csrf_input = ""
    if csrf_token and csrf_token != "NOTPROVIDED":  # as {% csrf_token %} writes it
        csrf_input = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    url = conditional_escape(tasks_url)
    if scope == "queue":
        action = ('\n            <form method="post" action="' + url + '{id}/claim/" class="inline">'
                  + csrf_input.replace("{", "{{").replace("}", "}}")
                  + '\n              <button class="btn small primary" type="submit">'
                  + conditional_escape(gettext("认领")).replace("{", "{{").replace("}", "}}")
                  + "</button></form>\n          ")
    else:
        action = ('\n            <a class="btn small primary" href="' + url + '{id}/">'
                  + conditional_escape(gettext("办理")).replace("{", "{{").replace("}", "}}") + "</a>\n          ")
    title_of = escaped_once(steps.title)
    state_of = escaped_once(lambda state: str(Step.State(state).label))  # QueueRow.state_label
    # A page's rows share a few due dates: each deadline cell is written once per page, from what
    # ``due`` reads of a step.
    clocks: dict[tuple, str] = {}
    on, zone = today(), get_current_timezone()  # one day for the page's deadlines, one zone for its times
    rows = []
    for step in page:
        node, state = title_of(step.node), state_of(step.state)
        entered = local_time_text(step.entered_at, zone=zone)
        key = step.clock_key
        clock = clocks.get(key)
        if clock is None:
            clock = clocks[key] = due(step, on=on)
        rows.append(
            f'\n      <tr data-task="{step.task_id}">\n'
            f'        <td><a class="mono" href="{url}{step.task_id}/">{escape_text(step.reference)}</a></td>\n'
            f"        <td>{escape_text(step.agency_name)}</td>\n"
            f"        <td>{node}</td>\n"
            f'        <td class="nowrap">{entered}</td>\n'
            f"        <td data-clock>{clock}</td>\n"
            f'        <td><span class="badge tone-{escape_text(state_tone(step.state))}">{state}</span></td>\n'
            f'        <td class="nowrap">\n          {action.format(id=step.task_id)}\n        </td>\n'
            f"      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def step_rows(rows) -> str:
    """The rows of ``workflows/_steps.html`` (the application's and a task's timeline), written here
    rather than by the template for the same reason as the queue's rows: the markup is the
    template's, row for row, and each step's title is translated once per page."""
    title_of = escaped_once(steps.title)
    on, zone = today(), get_current_timezone()  # one day for the page's deadlines, one zone for its times
    out = []
    for step in rows:
        title = title_of(step.node)
        if step.claimed_by:
            claimed = (f'{escape_text(step.claimed_by)}<br><span class="muted">{local_time_text(step.claimed_at, zone=zone)}'
                       "</span>")
        else:
            claimed = "—"
        if step.finished_at:
            finished = (f'{escape_text(step.finished_by or "")}<br><span class="muted">'
                        f"{local_time_text(step.finished_at, zone=zone)}</span>")
        else:
            finished = "—"
        if step.outcome:
            result = escape_text(outcome_label(step))
            if step.comment:
                result += f'<div class="small muted">{escape_text(Truncator(str(step.comment)).chars(120))}</div>'
        else:
            result = "—"
        out.append(
            f'\n      <tr data-step="{escape_text(step.node)}">\n'
            f"        <td><strong>{title}</strong></td>\n"
            f'        <td><span class="badge tone-{escape_text(state_tone(step.state))}">'
            f"{escape_text(step.get_state_display())}</span></td>\n"
            f'        <td class="nowrap">{local_time_text(step.entered_at, zone=zone)}</td>\n'
            f'        <td class="small" data-clock>{escape_text(due(step, detail=True, on=on))}</td>\n'
            f'        <td class="small">{claimed}</td>\n'
            f'        <td class="small">{finished}</td>\n'
            f"        <td>{result}</td>\n"
            f"      </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)
