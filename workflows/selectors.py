"""Reads for the flow: queues, task details and the application's timeline.

Queues are ordered by due date (those without one last), then by id, and paged by that key
(``queue_page``): no ``COUNT(*)``, no OFFSET, the same number of queries on page 1 and page 5,000.
A queue page is read as plain values (``queue_rows``): one query, no model instances.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, BooleanField, DateField, F, Func, QuerySet, Value
from django.db.models.query import ValuesListIterable
from django.utils.translation import gettext as _

from approvals.models import Application, User
from approvals.pagination import DEFAULT_PAGE_SIZE, KeysetPage
from compiled import CompiledRead, CompiledRows

from . import steps
from .clocks import DueStatus, due_filter, due_filter_values, due_q, due_status, today
from .models import Step

# The permissions of the officials' nodes (the applicant's nodes are matched by agency instead).
OFFICIAL_TASK_PERMISSIONS = steps.OFFICIAL_PERMISSIONS
QUEUE_ORDER = (F("due_date").asc(nulls_last=True), "id")


def _with_related(steps: QuerySet) -> QuerySet:
    return steps.select_related("application__agency", "claimed_by")


def _queue(steps: QuerySet, due: str | None) -> QuerySet:
    if due:
        steps = steps.filter(due_filter(due))
    return steps.order_by(*QUEUE_ORDER)


# Whose queue: the steps of an inbox or a role's (or agency's) queue, over the values a compiled
# page read (``Queue``) passes as parameters.
def _inbox_steps(*, user_id: int) -> QuerySet:
    return Step.objects.filter(claimed_by_id=user_id, state=Step.State.CLAIMED)


def _agency_steps(*, agency_id: int) -> QuerySet:
    return Step.objects.filter(node__in=steps.APPLICANT_STEPS, agency_id=agency_id, state=Step.State.OPEN)


def _official_steps(*, permissions: tuple[str, ...]) -> QuerySet:
    return Step.objects.filter(permission__in=permissions, state=Step.State.OPEN)


def _official_permissions(user: User) -> tuple[str, ...]:
    # Only the officials' task permissions the user holds: usually exactly one, so the query is
    # ``permission = X`` and walks step_queue_due_idx in order. An IN over every permission the
    # user has (view_application, …) makes PostgreSQL sort the whole open queue for each page.
    return tuple(sorted(OFFICIAL_TASK_PERMISSIONS & user.get_all_permissions()))


def inbox(*, user: User, due: str | None = None) -> QuerySet:
    """Tasks the user has claimed and not finished, soonest due first; ``due``: overdue | due_soon."""
    return _queue(_with_related(_inbox_steps(user_id=user.pk)), due)


def claimable(*, user: User, due: str | None = None) -> QuerySet:
    """Unclaimed tasks the user's role (or, for an applicant, agency) may take, soonest due first."""
    if not user.is_authenticated:
        return Step.objects.none()
    if user.agency_id:
        allowed = _agency_steps(agency_id=user.agency_id)
    else:
        allowed = _official_steps(permissions=_official_permissions(user))
    # Nobody holds an open task: no join to the users table (one table less to plan and read).
    return _queue(allowed.select_related("application__agency"), due)


@dataclass(slots=True)
class QueueRow:
    """One row of a queue page, read as values: what the API and the page show, and nothing else.

    Has the attributes of a ``Step`` that the clocks read (``due_status()`` works on it as on a step).
    """

    pk: int
    task_id: int
    node: str
    state: str
    entered_at: datetime
    claimed_at: datetime | None
    finished_at: datetime | None
    outcome: str
    comment: str
    due_date: date | None
    limit_days: int | None
    clock: str
    clock_started_on: date | None
    application_id: int
    application_created: datetime
    application_status: str
    agency_name: str
    claimed_by: str | None = None  # the holder's username (not read for the unclaimed queue)

    @property
    def is_active(self) -> bool:
        return self.state in (Step.State.OPEN, Step.State.CLAIMED)

    @property
    def reference(self) -> str:
        return Application.reference_of(created=self.application_created, pk=self.application_id)

    @property
    def state_label(self) -> str:
        return str(Step.State(self.state).label)

    def due_status(self, on: date | None = None) -> DueStatus:
        return due_status(self, on=on)

    @property
    def clock_key(self) -> tuple:
        """What a row's deadline marks are worked out from: a page's rows share a few, and the queue
        page and API work each out once per page."""
        return (self.due_date, self.limit_days, self.clock, self.clock_started_on, self.state, self.finished_at)


QUEUE_ROW_FIELDS = ("id", "task_id", "node", "state", "entered_at", "claimed_at", "finished_at", "outcome", "comment",
                    "due_date", "limit_days", "clock", "clock_started_on", "application_id", "application__created",
                    "application__status", "application__agency__name")


class _QueueRowIterable(ValuesListIterable):
    def __iter__(self):
        for values in super().__iter__():
            yield QueueRow(*values)


def queue_rows(steps: QuerySet, *, holder: bool = True) -> QuerySet:
    """``steps`` read as ``QueueRow`` values (joined to the application and agency, and to the holder's
    username when ``holder``): filter, order and slice it as the step queryset it came from."""
    rows = steps.values_list(*QUEUE_ROW_FIELDS, *(("claimed_by__username",) if holder else ()))
    rows._iterable_class = _QueueRowIterable
    return rows


_PAGES = CompiledRows()


@dataclass(frozen=True)
class Queue:
    """A user's inbox or claimable queue as its query's shape and values, for ``queue_page``.

    Its pages are the rows of ``inbox`` / ``claimable`` through ``queue_rows``, read by a query
    compiled once per shape (the `compiled` package): building and compiling the page's query cost more
    than PostgreSQL took to run it.
    """

    kind: str  # inbox | agency | official | none
    due: str | None
    values: tuple[tuple[str, object], ...]

    @classmethod
    def of(cls, *, user: User, scope: str, due: str | None = None) -> "Queue":
        """``scope``: inbox (the user's claimed tasks) or queue (what the user may claim)."""
        if scope == "inbox":
            kind, values = "inbox", {"user_id": user.pk}
        elif not user.is_authenticated:
            kind, values = "none", {}
        elif user.agency_id:
            kind, values = "agency", {"agency_id": user.agency_id}
        else:
            permissions = _official_permissions(user)
            kind, values = ("official", {"permissions": permissions}) if permissions else ("none", {})
        if due and kind != "none":
            values.update(due_filter_values(due, on=today()))
        return cls(kind, due or None, tuple(values.items()))

    @property
    def holder(self) -> bool:
        return self.kind == "inbox"  # nobody holds an unclaimed task: the queue reads no holder

    def _rows(self, **values) -> QuerySet:
        if self.kind == "inbox":
            queued = _inbox_steps(user_id=values["user_id"])
        elif self.kind == "agency":
            queued = _agency_steps(agency_id=values["agency_id"])
        else:
            queued = _official_steps(permissions=values["permissions"])
        if self.due:
            queued = queued.filter(due_q(self.due, on=values["on"], soon=values.get("soon"),
                                         soon_applicant=values.get("soon_applicant")))
        return queue_rows(queued.order_by(*QUEUE_ORDER), holder=self.holder)

    def read(self, where, limit: int, **cursor) -> list[QueueRow]:
        """The rows of ``where`` (one of the keyset conditions below) up to ``limit``."""
        if self.kind == "none":
            return []
        own = dict(self.values)

        def build(**values):
            return where(self._rows(**values), **{name: values[name] for name in cursor})[:limit]

        return [QueueRow(*row) for row in _PAGES.fetch((self.kind, self.due, where, limit), build, **own, **cursor)]


def visible_steps(*, user: User) -> QuerySet:
    """Steps of the applications the user may see."""
    return Step.objects.filter(application__in=Application.objects.visible_to(user))


def timeline(*, application: Application) -> list[Step]:
    """Every step of an application, in order, with who and when (each step's application the one given)."""
    return _TIMELINE.all(application=application.pk, known={"application": application})


# Compiled once per process (the ``compiled`` package): the application and task pages read it on every view.
_TIMELINE = CompiledRead(
    lambda application: Step.objects.filter(application_id=application).select_related("claimed_by", "finished_by")
    .order_by("entered_at", "id"),
    "application")


def applicant_task(*, application: Application) -> Step | None:
    """The supplement or rectification task the applicant has to answer now, if any."""
    return Step.objects.active().filter(application=application, node__in=steps.APPLICANT_STEPS).order_by("-entered_at").first()


def step_for_page(*, user: User, task_id: int) -> Step | None:
    """The step of a task, if the user may see its application (else None: the page is a 404)."""
    return (
        visible_steps(user=user)
        .select_related("application__agency", "application__rule_set", "application__review_leader",
                        "claimed_by", "finished_by")
        .filter(task_id=task_id)
        .first()
    )


# --- keyset pages over the due-date order -------------------------------------------------------
class _Row(Func):
    template = "(%(expressions)s)"


class _RowCompare(Func):
    """``(due_date, id) > (d, i)`` (or ``<``): one index range condition, unlike the equivalent OR."""

    template = "%(expressions)s"
    output_field = BooleanField()

    def __init__(self, op: str, due: date, pk: int):
        self.arg_joiner = f" {op} "
        super().__init__(
            _Row(F("due_date"), F("id")),
            _Row(Value(due, output_field=DateField()), Value(pk, output_field=BigIntegerField())),
        )


def encode_cursor(step: Step) -> str:
    raw = f"{step.due_date.isoformat() if step.due_date else ''}|{step.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, pk = raw.split("|")
        return (date.fromisoformat(due) if due else None), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": _("翻页参数无效，请从第一页重新浏览。")}) from None


# The keyset conditions of a queue page, each over a queue's rows in ``QUEUE_ORDER``.
def _first(rows: QuerySet) -> QuerySet:
    return rows


def _after_dated(rows: QuerySet, *, due: date, pk: int) -> QuerySet:
    return rows.filter(_RowCompare(">", due, pk))


def _undated(rows: QuerySet) -> QuerySet:
    return rows.filter(due_date__isnull=True)


def _after_undated(rows: QuerySet, *, pk: int) -> QuerySet:
    return rows.filter(due_date__isnull=True, pk__gt=pk)


def _before_undated(rows: QuerySet, *, pk: int) -> QuerySet:
    return rows.filter(due_date__isnull=True, pk__lt=pk).order_by("-id")


def _before_dated(rows: QuerySet, *, due: date, pk: int) -> QuerySet:
    return rows.filter(_RowCompare("<", due, pk)).order_by("-due_date", "-id")


def _dated_backwards(rows: QuerySet) -> QuerySet:
    return rows.filter(due_date__isnull=False).order_by("-due_date", "-id")


def queue_page(steps: QuerySet | Queue, *, after: str = "", before: str = "",
               size: int = DEFAULT_PAGE_SIZE) -> KeysetPage:
    """The page of a queue (ordered by ``QUEUE_ORDER``) after or before a cursor; else the first.

    ``steps``: a queryset of steps (or of ``queue_rows``), or a ``Queue`` (read by compiled queries).
    One query; a second only on the page where the dated tasks give way to the undated ones (kept
    last: a due date is missing only while the calendar lacks a year). A bad cursor is a
    ValidationError.
    """
    if isinstance(steps, Queue):
        read = steps.read
    else:
        def read(where, limit, **cursor):
            return list(where(steps, **cursor)[:limit])
    fetch = size + 1
    if before and not after:
        due, pk = decode_cursor(before)
        rows = []
        if due is None:
            rows = read(_before_undated, fetch, pk=pk)
        if len(rows) < fetch:
            rows += (read(_before_dated, fetch - len(rows), due=due, pk=pk) if due
                     else read(_dated_backwards, fetch - len(rows)))
        items = rows[:size][::-1]
        return KeysetPage(items=items, next_cursor=encode_cursor(items[-1]) if items else "",
                          previous_cursor=encode_cursor(items[0]) if len(rows) > size else "")
    if not after:
        rows = read(_first, fetch)
    else:
        due, pk = decode_cursor(after)
        if due is None:
            rows = read(_after_undated, fetch, pk=pk)
        else:
            rows = read(_after_dated, fetch, due=due, pk=pk)
            if len(rows) < fetch:
                rows += read(_undated, fetch - len(rows))
    items = rows[:size]
    return KeysetPage(items=items, next_cursor=encode_cursor(items[-1]) if len(rows) > size else "",
                      previous_cursor=encode_cursor(items[0]) if after and items else "")
