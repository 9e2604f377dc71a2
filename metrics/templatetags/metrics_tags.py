"""Formatting of the dashboard's figures."""

from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext as _

from ..models import NODE_LABELS

register = template.Library()


@register.filter
def num(value) -> str:
    """A mean or a count: whole numbers without decimals, others with one."""
    if value is None or value == "":
        return "—"
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


@register.filter
def percent(fraction) -> str:
    """A rate in [0, 1] as a percentage."""
    if fraction is None:
        return "—"
    return f"{float(fraction) * 100:.1f}%"


@register.filter
def signed_pct(pct) -> str:
    """A reduction: '压减 37.5%', or '增加 12.0%' when the figure went up."""
    if pct is None:
        return "—"
    pct = float(pct)
    if pct < 0:
        return _("增加 %(pct)s%%") % {"pct": f"{-pct:.1f}"}
    return _("压减 %(pct)s%%") % {"pct": f"{pct:.1f}"}


@register.filter
def node_label(node: str) -> str:
    return str(NODE_LABELS.get(node, node))


@register.filter
def urlencode_dict(values: dict) -> str:
    return urlencode(values or {})
