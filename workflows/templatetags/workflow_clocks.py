"""The statutory clock on the pages: ``{% due step %}`` shows a step's due date, the working days
left or overdue, and (``detail=True``) what a step used, carried over and stood stopped.

Built in Python rather than as an included template: it runs on every row of a queue page, where a
sub-template per row cost a third of the page's rendering time. The calendar is cached, so no row
adds a query.
"""

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from workflows.calendar import is_provisional

register = template.Library()


# Each phrase is a literal ngettext call so that makemessages extracts it: the Chinese is the same
# for one and many, the English is not.
DAY_PHRASES = {
    "overdue": lambda n: ngettext("超期 %(days)s 个工作日", "超期 %(days)s 个工作日", n),
    "left": lambda n: ngettext("剩 %(days)s 个工作日", "剩 %(days)s 个工作日", n),
    "used": lambda n: ngettext("用时 %(days)s 个工作日", "用时 %(days)s 个工作日", n),
    "carried": lambda n: ngettext("停止计时前已用 %(days)s 个工作日", "停止计时前已用 %(days)s 个工作日", n),
    "stopped": lambda n: ngettext("停止计时 %(days)s 个工作日", "停止计时 %(days)s 个工作日", n),
}


# A module-level lazy string: translated when the page renders.
PROVISIONAL_NOTE = gettext_lazy(
    "该年度国务院节假日安排尚未录入工作日历：此日期按周末和法定节假日推算，录入后自动更正。"
)


def _days(phrase: str, days: int) -> str:
    return DAY_PHRASES[phrase](days) % {"days": days}


@register.simple_tag
def due(step, detail: bool = False, on=None) -> str:
    """Due date with an overdue / due-soon mark; ``detail`` adds used, carried and stopped days; ``on``:
    the day it is (today, which a page of rows reads once). Written with f-strings, every value
    escaped as ``format_html`` would: a queue page writes a dozen of these."""
    status = step.due_status(on=on)
    if status.due_date is None:
        if step.limit_days:
            return format_html('<span class="small muted" data-due-unknown>{}</span>',
                               _("期限待定（工作日历缺少该年度）"))
        return "—"
    day = status.due_date.isoformat()  # digits and dashes: nothing to escape
    parts = [f'<span class="nowrap" data-due="{day}">{day}</span>']
    if is_provisional(step.clock_started_on or status.due_date, status.due_date):
        note = conditional_escape(PROVISIONAL_NOTE)
        parts.append(f' <span class="badge tone-amber" data-due-provisional title="{note}">'
                     f'{conditional_escape(_("暂定"))}</span>')
        if detail:
            parts.append(f'<div class="small muted" data-provisional-note>{note}</div>')
    left = status.working_days_left
    if step.is_active:
        if status.overdue:
            text = _days("overdue", -left) if left is not None and left < 0 else _("已超期")
            parts.append(f' <span class="badge tone-red" data-overdue>{conditional_escape(text)}</span>')
        elif status.due_soon:
            text = _("今天到期") if left == 0 else _days("left", left)
            parts.append(f' <span class="badge tone-amber" data-due-soon>{conditional_escape(text)}</span>')
        elif left is not None:
            parts.append(f' <span class="small muted" data-days-left="{left:d}">'
                         f'{conditional_escape(_days("left", left))}</span>')
    elif status.overdue:
        parts.append(f' <span class="badge tone-red" data-finished-late>{conditional_escape(_("超期办结"))}</span>')
    if detail:
        parts.append(used_days_note(step))
    return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)


def used_days_note(step) -> str:
    """The detail's line of what a step used, carried over and stood stopped ("" for none of these)."""
    notes = []
    if step.used_days is not None:
        notes.append(_days("used", step.used_days))
    if step.carried_days:
        notes.append(_days("carried", step.carried_days))
    if step.stopped_days:
        notes.append(_days("stopped", step.stopped_days))
    if not notes:
        return ""
    return format_html('<div class="small muted">{}</div>', format_html_join(" · ", "{}", ((note,) for note in notes)))
