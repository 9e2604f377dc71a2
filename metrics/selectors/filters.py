"""Who sees the aggregates, and which fact rows a set of filters selects."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from approvals.models import User

from ..models import ApplicationFacts, DailyFacts

REDUCTIONS = ("procedures", "steps", "time", "fees", "documents")
REDUCTION_LABELS = {
    "procedures": _("减程序"),
    "steps": _("减环节"),
    "time": _("减时间"),
    "fees": _("减收费"),
    "documents": _("减申请材料"),
}
OUTCOMES = ("certified", "denied", "refused", "withdrawn")


@dataclass(frozen=True)
class Filters:
    """The period (by the day an application ended, both ends included) and the dimensions."""

    start: date | None = None
    end: date | None = None
    application_type: str = ""
    track: str = ""
    authority: str = ""
    outcome: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (for links, exports and the API)."""
        values = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "application_type": self.application_type,
            "track": self.track,
            "authority": self.authority,
            "outcome": self.outcome,
        }
        return {key: value for key, value in values.items() if value}


def may_monitor(user: User) -> bool:
    """The service centre (政务服务中心) sees aggregates; nobody else does."""
    return bool(user.is_authenticated and user.is_active and not user.agency_id
                and user.has_perm("approvals.monitor_service"))


def facts(*, filters: Filters) -> QuerySet:
    """Fact rows matching the filters."""
    return matching(ApplicationFacts.objects.all(), filters=filters)


def daily(*, filters: Filters) -> QuerySet:
    """Day roll-ups matching the filters: the same figures as ``facts``, added up per day and group."""
    return matching(DailyFacts.objects.all(), filters=filters)


def matching(rows: QuerySet, *, filters: Filters) -> QuerySet:
    """Rows (facts or day roll-ups: the same dimensions) matching the filters."""
    if filters.start:
        rows = rows.filter(ended_on__gte=filters.start)
    if filters.end:
        rows = rows.filter(ended_on__lte=filters.end)
    for name in ("application_type", "track", "authority", "outcome"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{name: value})
    return rows
