"""Formatting of the dashboard's figures."""

from urllib.parse import urlencode

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext as _

from approvals.templatetags.approvals_pages import escape_text, escaped_once, local_time_text

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


@register.simple_tag
def overdue_rows(steps, applications_url: str) -> str:  # metrics.selectors.OverdueRow
    """The overdue steps' rows of the dashboard, written here rather than by its template (as the
    application page's rows are: approvals.templatetags.approvals_pages): fifty rows of a dozen
    variables and filters each cost more than the query that read them. The markup is the
    template's, row for row; every value is escaped."""
    unclaimed = f'<span class="muted">{_("待认领")}</span>'
    prefix = conditional_escape(applications_url)
    label_of = escaped_once(node_label)
    zone = get_current_timezone()  # one zone for the page's times
    rows = []
    for step in steps:
        label = label_of(step.node)
        claimed_by = step.claimed_by
        days = step.overdue_days
        rows.append(
            f'\n        <tr><td><a href="{prefix}{escape_text(step.application_id)}/">'
            f"{escape_text(step.reference)}</a></td>\n"
            f"          <td>{escape_text(step.agency_name)}</td><td>{label}</td>\n"
            f"          <td>{escape_text(claimed_by) if claimed_by else unclaimed}</td>\n"
            f"          <td>{local_time_text(step.entered_at, zone=zone)}</td>"
            f'<td class="late">{step.due_date.strftime("%Y-%m-%d") if step.due_date else ""}</td>\n'
            f'          <td class="late">{"—" if days is None else escape_text(days)}</td></tr>\n      '
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
