"""Reads for the flow: queues, task details and the application's timeline.

Queues are ordered by due date (those without one last), then by id, and paged by that key
(``queue_page``): no ``COUNT(*)``, no OFFSET, the same number of queries on page 1 and page 5,000.
"""

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, BooleanField, DateField, F, Func, Q, QuerySet, Value
from django.utils.translation import gettext as _

from approvals.models import Application, User

from .clocks import due_filter
from .flows import APPLICANT_NODES, OrdinaryFlow
from .models import Step

FLOWS = {"ordinary": OrdinaryFlow}
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
        allowed = Q(node__in=APPLICANT_NODES, agency_id=user.agency_id)
    else:
        # Only the permissions tasks ask for: one equality for a one-role official, so the
        # (permission, due_date, id) index returns the page already in order.
        permissions = sorted(official_task_permissions() & user.get_all_permissions())
        allowed = Q(permission__in=permissions) & ~Q(node__in=APPLICANT_NODES)
    # Nobody holds an open task: no join to the users table (one table less to plan and read).
    return _queue(Step.objects.filter(allowed, state=Step.State.OPEN).select_related("application__agency"), due)


@functools.cache
def official_task_permissions() -> frozenset[str]:
    """The permissions the flows' official (non-applicant) tasks ask for."""
    return frozenset(
        node._owner_permission
        for flow_class in FLOWS.values()
        for node in flow_class.instance.nodes()
        if isinstance(getattr(node, "_owner_permission", None), str) and node.name not in APPLICANT_NODES
    )


def visible_steps(*, user: User) -> QuerySet:
    """Steps of the applications the user may see."""
    return Step.objects.filter(application__in=Application.objects.visible_to(user))


def timeline(*, application: Application) -> list[Step]:
    """Every step of an application, in order, with who and when."""
    return list(
        application.steps.select_related("claimed_by", "finished_by").order_by("entered_at", "id")
    )


# --- keyset pages -------------------------------------------------------------------------------
class _Row(Func):
    template = "(%(expressions)s)"


class _RowAfter(Func):
    """``(a, b) > (x, y)``: one index range condition, unlike the equivalent OR."""

    arg_joiner = " > "
    template = "%(expressions)s"
    output_field = BooleanField()


@dataclass(frozen=True)
class Page:
    items: list[Step]
    next_cursor: str | None  # opaque; None on the last page


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


def queue_page(steps: QuerySet, *, cursor: str | None = None, size: int = 20) -> Page:
    """The page of a queue (ordered by ``QUEUE_ORDER``) after ``cursor``.

    One query; a second only on the page where the dated tasks run out and undated ones follow.
    """
    fetch = size + 1
    if not cursor:
        rows = list(steps[:fetch])
    else:
        due, pk = decode_cursor(cursor)
        if due is None:
            rows = list(steps.filter(due_date__isnull=True, pk__gt=pk)[:fetch])
        else:
            after = _RowAfter(_Row(F("due_date"), F("id")),
                              _Row(Value(due, output_field=DateField()), Value(pk, output_field=BigIntegerField())))
            rows = list(steps.filter(after)[:fetch])
            if len(rows) < fetch:
                rows += list(steps.filter(due_date__isnull=True)[: fetch - len(rows)])
    items = rows[:size]
    return Page(items=items, next_cursor=encode_cursor(items[-1]) if len(rows) > size else None)
