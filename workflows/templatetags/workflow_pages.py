"""Labels of the flow's nodes, outcomes and step states for the pages."""

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

NODE_LABELS = {
    "accept": pgettext_lazy("step", "受理"),
    "supplement": _("补正"),
    "review": _("技术评审"),
    "rectification": _("整改"),
    "decide": _("审批决定"),
    "issue": _("发证"),
}
OUTCOME_LABELS = {
    "accept": _("受理"),
    "supplement": _("一次性告知补正"),
    "refuse": pgettext_lazy("outcome", "不予受理"),
    "resubmit": _("已答复"),
    "pass": _("评审通过"),
    "rectify": _("要求整改"),
    "fail": _("评审不通过"),
    "approve": _("准予许可"),
    "approve_partially": _("部分准予许可"),
    "deny": pgettext_lazy("outcome", "不予许可"),
    "issue": _("已发证"),
}
STATE_TONES = {"open": "amber", "claimed": "blue", "done": "green", "cancelled": "grey"}


@register.filter
def node_label(node: str) -> str:
    return NODE_LABELS.get(node, node)


@register.filter
def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


@register.filter
def state_tone(state: str) -> str:
    return STATE_TONES.get(state, "grey")
