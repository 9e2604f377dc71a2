"""``{% due %}`` (workflows.templatetags.workflow_clocks.due) writes its markup with f-strings: it must
be what it wrote with ``format_html``, byte for byte, for every kind of deadline, in both languages."""

from datetime import date, datetime, timedelta
from itertools import product

import pytest
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tests.timecontrol import SHANGHAI, at
from workflows.calendar import is_provisional
from workflows.models import Step
from workflows.templatetags.workflow_clocks import PROVISIONAL_NOTE, _days, due, used_days_note

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 23)  # a Wednesday: a due date in January 2027 is provisional


def due_as_before(step, detail: bool = False) -> str:
    """The tag as it was written with format_html."""
    status = step.due_status()
    if status.due_date is None:
        if step.limit_days:
            return format_html('<span class="small muted" data-due-unknown>{}</span>',
                               _("期限待定（工作日历缺少该年度）"))
        return "—"
    parts = [format_html('<span class="nowrap" data-due="{0}">{0}</span>', status.due_date.isoformat())]
    if is_provisional(step.clock_started_on or status.due_date, status.due_date):
        parts.append(format_html(' <span class="badge tone-amber" data-due-provisional title="{}">{}</span>',
                                 PROVISIONAL_NOTE, _("暂定")))
        if detail:
            parts.append(format_html('<div class="small muted" data-provisional-note>{}</div>', PROVISIONAL_NOTE))
    left = status.working_days_left
    if step.is_active:
        if status.overdue:
            text = _days("overdue", -left) if left is not None and left < 0 else _("已超期")
            parts.append(format_html(' <span class="badge tone-red" data-overdue>{}</span>', text))
        elif status.due_soon:
            text = _("今天到期") if left == 0 else _days("left", left)
            parts.append(format_html(' <span class="badge tone-amber" data-due-soon>{}</span>', text))
        elif left is not None:
            parts.append(format_html(' <span class="small muted" data-days-left="{}">{}</span>', left,
                                     _days("left", left)))
    elif status.overdue:
        parts.append(format_html(' <span class="badge tone-red" data-finished-late>{}</span>', _("超期办结")))
    if detail:
        parts.append(used_days_note(step))  # unchanged: the tag's own
    return mark_safe("".join(parts))


def steps():
    finished = datetime(2026, 12, 18, 15, tzinfo=SHANGHAI)
    for offset, state, clock, limit in product((None, -12, -1, 0, 1, 2, 9, 20), ("open", "claimed", "done", "cancelled"),
                                              ("approval", "applicant"), (None, 5)):
        due_date = TODAY + timedelta(days=offset) if offset is not None else None
        yield Step(node="accept", state=state, clock=clock, limit_days=limit, due_date=due_date,
                   clock_started_on=TODAY - timedelta(days=3), finished_at=finished if state == "done" else None,
                   used_days=4 if state == "done" else None, carried_days=2 if limit else 0,
                   stopped_days=3 if clock == "applicant" else 0)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_markup_is_what_format_html_wrote(language):
    seen = set()
    with at(TODAY), translation.override(language):
        for step in steps():
            for detail in (False, True):
                expected = due_as_before(step, detail=detail)
                assert due(step, detail=detail) == expected
                assert due(step, detail=detail, on=TODAY) == expected
                seen.update(mark for mark in ("data-overdue", "data-due-soon", "data-days-left", "data-finished-late",
                                              "data-due-provisional", "data-due-unknown", "data-provisional-note")
                            if mark in expected)
    assert len(seen) == 7  # every branch was written
    assert "停止计时" in used_days_note(next(s for s in steps() if s.stopped_days))
