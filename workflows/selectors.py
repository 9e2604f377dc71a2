"""Reads for the flow: queues, task details and the application's timeline.

Queues are ordered by due date (those without one last), then by id, and paged by that key
(``queue_page``): no ``COUNT(*)``, no OFFSET, the same number of queries on page 1 and page 5,000.
"""

import base64
import binascii
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, BooleanField, DateField, F, Func, Q, QuerySet, Value
from django.utils.translation import gettext as _

from approvals.models import Application, User
from approvals.pagination import DEFAULT_PAGE_SIZE, KeysetPage

from . import steps
from .clocks import due_filter
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


def inbox(*, user: User, due: str | None = None) -> QuerySet:
    """Tasks the user has claimed and not finished, soonest due first; ``due``: overdue | due_soon."""
    return _queue(_with_related(Step.objects.filter(claimed_by=user, state=Step.State.CLAIMED)), due)


def claimable(*, user: User, due: str | None = None) -> QuerySet:
    """Unclaimed tasks the user's role (or, for an applicant, agency) may take, soonest due first."""
    if not user.is_authenticated:
        return Step.objects.none()
    if user.agency_id:
        allowed = Q(node__in=steps.APPLICANT_STEPS, agency_id=user.agency_id)
    else:
        # Only the officials' task permissions the user holds: usually exactly one, so the query is
        # ``permission = X`` and walks step_queue_due_idx in order. An IN over every permission the
        # user has (view_application, …) makes PostgreSQL sort the whole open queue for each page.
        allowed = Q(permission__in=sorted(OFFICIAL_TASK_PERMISSIONS & user.get_all_permissions()))
    # Nobody holds an open task: no join to the users table (one table less to plan and read).
    return _queue(Step.objects.filter(allowed, state=Step.State.OPEN).select_related("application__agency"), due)


def visible_steps(*, user: User) -> QuerySet:
    """Steps of the applications the user may see."""
    return Step.objects.filter(application__in=Application.objects.visible_to(user))


def timeline(*, application: Application) -> list[Step]:
    """Every step of an application, in order, with who and when."""
    return list(
        application.steps.select_related("claimed_by", "finished_by").order_by("entered_at", "id")
    )


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


def queue_page(steps: QuerySet, *, after: str = "", before: str = "", size: int = DEFAULT_PAGE_SIZE) -> KeysetPage:
    """The page of a queue (ordered by ``QUEUE_ORDER``) after or before a cursor; else the first.

    One query; a second only on the page where the dated tasks give way to the undated ones (kept
    last: a due date is missing only while the calendar lacks a year). A bad cursor is a
    ValidationError.
    """
    fetch = size + 1
    if before and not after:
        due, pk = decode_cursor(before)
        dated_before = steps.filter(_RowCompare("<", due, pk)) if due else steps.filter(due_date__isnull=False)
        rows = []
        if due is None:
            rows = list(steps.filter(due_date__isnull=True, pk__lt=pk).order_by("-id")[:fetch])
        if len(rows) < fetch:
            rows += list(dated_before.order_by("-due_date", "-id")[: fetch - len(rows)])
        items = rows[:size][::-1]
        return KeysetPage(items=items, next_cursor=encode_cursor(items[-1]) if items else "",
                          previous_cursor=encode_cursor(items[0]) if len(rows) > size else "")
    if not after:
        rows = list(steps[:fetch])
    else:
        due, pk = decode_cursor(after)
        if due is None:
            rows = list(steps.filter(due_date__isnull=True, pk__gt=pk)[:fetch])
        else:
            rows = list(steps.filter(_RowCompare(">", due, pk))[:fetch])
            if len(rows) < fetch:
                rows += list(steps.filter(due_date__isnull=True)[: fetch - len(rows)])
    items = rows[:size]
    return KeysetPage(items=items, next_cursor=encode_cursor(items[-1]) if len(rows) > size else "",
                      previous_cursor=encode_cursor(items[0]) if after and items else "")
