"""Statutory clocks: each step's limit, due date, stops and resumptions, in working days.

Three clocks run on an application (``Step.Clock``):

- the approval clock (受理 accept, 审批决定 decide, 发证 issue): what the service centre judges.
  The decision's limit runs from the review conclusion, i.e. from the day the decide step is entered;
- the technical-review clock (技术评审): recorded, but not counted in the approval limit;
- the applicant's clock (补正 supplement, 整改 rectification): the applicant's own deadline.

A supplement request stops the acceptance clock and a rectification request stops the review clock.
When the applicant answers, the flow enters a new accept (review) step that resumes the stopped
clock: it carries the working days already used, so only the remainder is left, and it records the
working days the clock stood still (``stopped_days``), which are counted nowhere else.

Which clock a step runs, the rule-set limit it uses and the outcome that stops it are declared with
the step (``workflows.steps``); limits come from the application's rule set, chosen by its submission date.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from approvals.models import RuleSet
from approvals.services.procedures import add_months

from . import steps
from .calendar import add_working_days, working_days_between
from .exceptions import CalendarMissing
from .models import Step

logger = logging.getLogger(__name__)

Clock = Step.Clock



def today() -> date:
    """Today in China (the one place clocks read the date; tests move it with time_machine)."""
    return timezone.localdate()


def clock_start(step: Step, *, rule_set: RuleSet | None, on: date, may_resume: bool = True) -> None:
    """Set the clock of a step being entered, before it is first saved.

    A step that resumes a stopped clock (the accept after a supplement, the review after a
    rectification) carries the working days used before the stop.
    """
    declared = steps.step(step.node)
    step.clock = declared.clock if declared else ""
    step.limit_days = declared.limit_days(rule_set) if declared else None
    if step.limit_days is None:
        return
    step.clock_started_on = on
    stop_outcome = declared.stop_outcome
    if stop_outcome and may_resume:  # the caller knows it is no resumption: nothing to read
        stopped = (
            Step.objects.filter(application_id=step.application_id, node=step.node)
            .order_by("-entered_at", "-id")
            .first()
        )
        if stopped is not None and stopped.outcome == stop_outcome and stopped.finished_at:
            step.carried_days = stopped.carried_days + max(stopped.used_days or 0, 0)
            step.stopped_days = _between_or_none(timezone.localdate(stopped.finished_at), on) or 0
    step.due_date = compute_due_date(step)


def compute_due_date(step: Step) -> date | None:
    """The due date from the step's clock, or None while the calendar lacks a year it needs."""
    if step.limit_days is None or step.clock_started_on is None:
        return None
    if step.clock == Clock.VERIFICATION:  # 核查: calendar months from the day the certificate was issued
        return add_months(step.clock_started_on, step.limit_days)
    try:
        return add_working_days(step.clock_started_on, step.limit_days - step.carried_days)
    except CalendarMissing as error:  # the periodic check reports steps left without a due date
        logger.info("application %s, %s: no due date yet: %s", step.application_id, step.node, error)
        return None


def clock_finish(step: Step, *, on: date) -> list[str]:
    """Record the working days a finishing step used; returns the fields to save."""
    if step.clock_started_on is not None:
        step.used_days = _between_or_none(step.clock_started_on, on)
    return ["used_days"]


def _between_or_none(start: date, end: date) -> int | None:
    try:
        return working_days_between(start, end)
    except CalendarMissing as error:
        logger.error("working days %s..%s unknown: %s", start, end, error)
        return None


def reminder_days(step: Step) -> int:
    """How many working days before the due date the holder is reminded."""
    if step.clock == Clock.APPLICANT:
        return settings.CMA_APPLICANT_REMINDER_WORKING_DAYS
    return settings.CMA_REMINDER_WORKING_DAYS


@dataclass(frozen=True)
class DueStatus:
    """What a queue, a task page or the timeline shows about a step's deadline."""

    due_date: date | None
    working_days_left: int | None  # negative: working days overdue; None: finished, no limit, or no calendar
    overdue: bool  # open past its due date, or finished after it
    due_soon: bool  # open, not overdue, within the reminder window

    def as_dict(self) -> dict:
        return {
            "due_date": self.due_date,
            "working_days_left": self.working_days_left,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
        }


def due_status(step: Step, *, on: date | None = None) -> DueStatus:
    """The deadline marks of one step, computed from the cached calendar (no query once warm)."""
    if step.due_date is None:
        return DueStatus(None, None, False, False)
    if not step.is_active:
        finished = timezone.localdate(step.finished_at) if step.finished_at else None
        late = step.state == Step.State.DONE and finished is not None and finished > step.due_date
        return DueStatus(step.due_date, None, late, False)
    on = on or today()
    left = _between_or_none(on, step.due_date)
    overdue = on > step.due_date
    due_soon = not overdue and left is not None and left <= reminder_days(step)
    return DueStatus(step.due_date, left, overdue, due_soon)


def due_soon_limit(*, clock_applicant: bool, on: date) -> date:
    """The last due date that counts as due soon on ``on`` (raises CalendarMissing)."""
    days = settings.CMA_APPLICANT_REMINDER_WORKING_DAYS if clock_applicant else settings.CMA_REMINDER_WORKING_DAYS
    return add_working_days(on, days)


def due_filter(due: str, *, on: date | None = None) -> Q:
    """A queue filter: ``overdue`` (past due) or ``due_soon`` (due within the reminder window)."""
    return due_q(due, **due_filter_values(due, on=on or today()))


def due_filter_values(due: str, *, on: date) -> dict[str, date]:
    """The dates ``due_q`` compares with on ``on`` (raises CalendarMissing for due_soon without the year)."""
    if due == "overdue":
        return {"on": on}
    if due == "due_soon":
        return {"on": on, "soon": due_soon_limit(clock_applicant=False, on=on),
                "soon_applicant": due_soon_limit(clock_applicant=True, on=on)}
    raise ValueError(due)


def due_q(due: str, *, on: date, soon: date | None = None, soon_applicant: date | None = None) -> Q:
    """``due_filter`` over given dates: a compiled queue read (the `compiled` package) passes them as parameters."""
    if due == "overdue":
        return Q(due_date__lt=on)
    if due == "due_soon":
        return (Q(due_date__gte=on, due_date__lte=soon, clock__in=[Clock.APPROVAL, Clock.REVIEW])
                | Q(due_date__gte=on, due_date__lte=soon_applicant, clock=Clock.APPLICANT))
    raise ValueError(due)


def due_dates_refresh(*, start: date | None = None, end: date | None = None) -> int:
    """Compute the due dates of live steps still waiting for a missing calendar year and, after a
    calendar edit of [start, end], recompute those whose counting span touches it. Returns how
    many changed."""
    touched = Q(due_date__isnull=True)
    if start is not None and end is not None:
        touched |= Q(clock_started_on__lt=end, due_date__gte=start)
    steps = Step.objects.active().filter(touched, limit_days__isnull=False, clock_started_on__isnull=False)
    changed, batch = 0, []
    fields = ["id", "limit_days", "clock_started_on", "carried_days", "due_date", "state"]
    for step in steps.only(*fields).order_by("id").iterator(chunk_size=2000):
        due = compute_due_date(step)
        if due != step.due_date:
            step.due_date = due
            batch.append(step)
        if len(batch) >= 1000:
            changed += Step.objects.bulk_update(batch, ["due_date"])
            batch = []
    if batch:
        changed += Step.objects.bulk_update(batch, ["due_date"])
    return changed


def clock_summary(steps: list[Step]) -> dict[str, int]:
    """Working days per clock over an application's finished and running steps: the approval time
    (without review and stops), the review time, and the time stopped for the applicant."""
    on = today()
    totals = {"approval": 0, "review": 0, "stopped": 0}
    for step in steps:
        if step.clock_started_on is None:
            continue
        if step.is_active:
            used = _between_or_none(step.clock_started_on, on) or 0
        elif step.state == Step.State.DONE:
            used = step.used_days or 0
        else:
            continue
        key = {Clock.APPROVAL: "approval", Clock.REVIEW: "review", Clock.APPLICANT: "stopped"}.get(step.clock)
        if key:
            totals[key] += max(used, 0)
    return totals
