"""Reads of the five-reductions measurement: aggregates over a period and one application's figures.

Every aggregate is a fixed number of queries over the fact table, whatever its size: the sums in
one query, the distribution of time in another (medians and the 90th percentile are read off that
histogram, nearest-rank, so SQLite and PostgreSQL agree), the months and the breakdown in one each.
A reduction is ``(baseline - actual) / baseline`` over the sums, i.e. of the means.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import ceil
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from approvals.models import Application, RuleSet, User
from workflows.models import Step

from .facts import APPLICANT_NODES, OFFICIAL_NODES
from .models import NODE_LABELS, NODES, ApplicationFacts

REDUCTIONS = ("procedures", "steps", "time", "fees", "documents")
REDUCTION_LABELS = {
    "procedures": "减程序",
    "steps": "减环节",
    "time": "减时间",
    "fees": "减收费",
    "documents": "减申请材料",
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
    rows = ApplicationFacts.objects.all()
    if filters.start:
        rows = rows.filter(ended_on__gte=filters.start)
    if filters.end:
        rows = rows.filter(ended_on__lte=filters.end)
    for name in ("application_type", "track", "authority", "outcome"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{name: value})
    return rows


# --- arithmetic ---------------------------------------------------------------------------------
def _number(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    return round(value, 2) if isinstance(value, float) else value


def reduction(baseline, actual) -> dict[str, Any]:
    """``{baseline, actual, reduction_pct}``; no percentage against a baseline of zero."""
    pct = None
    if baseline:
        pct = round((float(baseline) - float(actual or 0)) / float(baseline) * 100, 1)
    return {"baseline": _number(baseline), "actual": _number(actual), "reduction_pct": pct}


def _mean(total, n: int):
    if total is None or not n:
        return None
    return float(total) / n


def percentile(histogram: list[tuple[int, int]], fraction: float) -> int | None:
    """Nearest-rank percentile of a sorted ``[(value, count)]`` histogram."""
    n = sum(count for _value, count in histogram)
    if not n:
        return None
    rank, seen = max(1, ceil(fraction * n)), 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return histogram[-1][0]


# --- aggregates ---------------------------------------------------------------------------------
SUMMED = (
    "procedures", "procedures_baseline", "visits", "visits_baseline", "steps", "steps_baseline", "rework_loops",
    "days_elapsed", "days_counted", "days_approval", "days_review", "days_stopped", "days_baseline", "days_limit",
    "fee_yuan", "fee_baseline_yuan", "documents_required", "documents_shared", "documents_reused",
    "documents_uploaded", "documents_baseline", "supplement_rounds", "rectification_rounds",
)


# Sums are named apart from the fields they add up (an aggregate may not take a field's name).
_SUMS = {
    "promise_n": Count("days_promise"),
    "sum_days_promise": Sum("days_promise"),
    "sum_days_counted_promised": Sum("days_counted", filter=Q(days_promise__isnull=False)),
    **{f"sum_{name}": Sum(name) for name in SUMMED},
}


def _totals(rows: QuerySet) -> dict[str, Any]:
    """Every sum and count the headline figures need, in one query."""
    aggregates: dict[str, Any] = {
        "n": Count("pk"),
        "on_time_n": Count("pk", filter=Q(on_time=True)),
        **_SUMS,
        **{f"outcome_{outcome}": Count("pk", filter=Q(outcome=outcome)) for outcome in OUTCOMES},
    }
    for node in NODES:
        aggregates[f"{node}_sum"] = Sum(f"{node}_days")
        aggregates[f"{node}_n"] = Count(f"{node}_days")
        aggregates[f"{node}_late_n"] = Count("pk", filter=Q(**{f"{node}_late": True}))
    return rows.aggregate(**aggregates)


def _time_histogram(rows: QuerySet) -> list[tuple[int, int]]:
    return list(rows.order_by("days_counted").values("days_counted").annotate(n=Count("pk"))
                .values_list("days_counted", "n"))


def _reductions(t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The five reductions (means per application) from the sums of ``_totals`` or of one month."""
    n = t["n"]

    def pair(baseline: str, actual: str) -> dict[str, Any]:
        return reduction(_mean(t[f"sum_{baseline}"], n), _mean(t[f"sum_{actual}"], n))

    time = pair("days_baseline", "days_counted")
    time.update({
        "statutory": _number(_mean(t["sum_days_limit"], n)),
        "approval": _number(_mean(t["sum_days_approval"], n)),
        "review": _number(_mean(t["sum_days_review"], n)),
        "stopped": _number(_mean(t["sum_days_stopped"], n)),
        "elapsed": _number(_mean(t["sum_days_elapsed"], n)),
    })
    if t.get("promise_n"):
        # Compared only over the applications a promise covered.
        time["promise"] = reduction(_mean(t["sum_days_promise"], t["promise_n"]),
                                    _mean(t["sum_days_counted_promised"], t["promise_n"]))
    procedures = pair("procedures_baseline", "procedures")
    procedures["visits"] = pair("visits_baseline", "visits")
    steps = pair("steps_baseline", "steps")
    steps["rework_loops"] = _number(_mean(t["sum_rework_loops"], n))
    documents = pair("documents_baseline", "documents_uploaded")
    documents.update({
        "required": _number(_mean(t["sum_documents_required"], n)),
        "shared": _number(_mean(t["sum_documents_shared"], n)),
        "reused": _number(_mean(t["sum_documents_reused"], n)),
        "supplement_rounds": _number(_mean(t["sum_supplement_rounds"], n)),
    })
    return {
        "procedures": procedures,
        "steps": steps,
        "time": time,
        "fees": pair("fee_baseline_yuan", "fee_yuan"),
        "documents": documents,
    }


def five_reductions(*, filters: Filters) -> dict[str, Any]:
    """The headline: the five reductions over the period, counts, on-time rate, median and p90 time.

    Two queries, whatever the number of applications.
    """
    rows = facts(filters=filters)
    totals = _totals(rows)
    histogram = _time_histogram(rows)
    return _headline(totals, histogram)


def _headline(totals: dict[str, Any], histogram: list[tuple[int, int]]) -> dict[str, Any]:
    n = totals["n"]
    return {
        "reductions": _reductions(totals),
        "applications": {"total": n, **{outcome: totals[f"outcome_{outcome}"] for outcome in OUTCOMES}},
        "on_time_rate": round(totals["on_time_n"] / n, 4) if n else None,
        "time_p50": percentile(histogram, 0.5),
        "time_p90": percentile(histogram, 0.9),
        "rework": {
            "supplement_rounds": _number(_mean(totals["sum_supplement_rounds"], n)),
            "rectification_rounds": _number(_mean(totals["sum_rectification_rounds"], n)),
        },
    }


def _rules_for_limits() -> tuple[RuleSet | None, RuleSet | None]:
    """The rule set in force today and the baseline, in one query."""
    today = timezone.localdate()
    current = RuleSet.objects.filter(effective_from__lte=today, is_promise=False).order_by("-effective_from")[:1]
    rule_sets = list(RuleSet.objects.filter(Q(is_baseline=True) | Q(pk__in=current)))
    baseline = next((r for r in rule_sets if r.is_baseline), None)
    in_force = max((r for r in rule_sets if not r.is_promise and r.effective_from <= today),
                   key=lambda r: r.effective_from, default=None)
    return in_force, baseline


def step_times(totals: dict[str, Any], *, current: RuleSet | None, baseline: RuleSet | None) -> list[dict[str, Any]]:
    """Mean working days per step against its limit now and before the reform, and the share late."""
    result = []
    for node in NODES:
        n = totals[f"{node}_n"]
        result.append({
            "node": node,
            "label": str(NODE_LABELS[node]),
            "applicant": node in APPLICANT_NODES,
            "counted": node in OFFICIAL_NODES,
            "applications": n,
            "mean_days": _number(_mean(totals[f"{node}_sum"], n)),
            "limit": current.limit_for(node) if current else None,
            "baseline_limit": baseline.limit_for(node) if baseline else None,
            "late": totals[f"{node}_late_n"],
            "late_rate": round(totals[f"{node}_late_n"] / n, 4) if n else None,
        })
    return result


def by_month(*, filters: Filters) -> list[dict[str, Any]]:
    """The five reductions, counts and on-time rate per month an application ended (one query)."""
    rows = (
        facts(filters=filters).order_by("ended_month").values("ended_month")
        .annotate(n=Count("pk"), on_time_n=Count("pk", filter=Q(on_time=True)), **_SUMS)
    )
    months = []
    for row in rows:
        months.append({
            "month": row["ended_month"].strftime("%Y-%m"),
            "applications": row["n"],
            "on_time_rate": round(row["on_time_n"] / row["n"], 4),
            "reductions": _reductions(row),
        })
    return months


def breakdown(*, filters: Filters) -> list[dict[str, Any]]:
    """Counts, time and the reductions by application type, track and issuing authority (one query)."""
    rows = (
        facts(filters=filters).order_by("authority", "application_type", "track")
        .values("authority", "application_type", "track")
        .annotate(n=Count("pk"), on_time_n=Count("pk", filter=Q(on_time=True)), **_SUMS)
    )
    types = dict(ApplicationFacts._meta.get_field("application_type").choices)
    tracks = dict(ApplicationFacts._meta.get_field("track").choices)
    return [
        {
            "authority": row["authority"],
            "application_type": row["application_type"],
            "application_type_display": str(types.get(row["application_type"], row["application_type"])),
            "track": row["track"],
            "track_display": str(tracks.get(row["track"], row["track"])),
            "applications": row["n"],
            "on_time_rate": round(row["on_time_n"] / row["n"], 4),
            "reductions": _reductions(row),
        }
        for row in rows
    ]


def overdue_steps(*, limit: int = 50, on: date | None = None) -> tuple[list[Step], int]:
    """Open steps past their due date, most overdue first, and how many there are (two queries, always:
    the count is cheap on the partial index of live steps by due date)."""
    on = on or timezone.localdate()
    overdue = Step.objects.active().filter(due_date__lt=on)
    rows = list(overdue.select_related("application__agency", "claimed_by").order_by("due_date", "id")[:limit])
    return rows, overdue.count()


def dashboard(*, filters: Filters, overdue_limit: int = 50) -> dict[str, Any]:
    """Everything the service-centre dashboard shows (seven queries, whatever the data size)."""
    rows = facts(filters=filters)
    totals = _totals(rows)
    current, baseline = _rules_for_limits()
    overdue, overdue_total = overdue_steps(limit=overdue_limit)
    return {
        **_headline(totals, _time_histogram(rows)),
        "steps": step_times(totals, current=current, baseline=baseline),
        "months": by_month(filters=filters),
        "breakdown": breakdown(filters=filters),
        "overdue": overdue,
        "overdue_total": overdue_total,
        "rule_sets": {"current": current, "baseline": baseline},
    }


# --- one application ----------------------------------------------------------------------------
def application_reductions(row: ApplicationFacts) -> dict[str, Any]:
    """The five reductions of one application, from its fact row (stored or computed live)."""
    time = reduction(row.days_baseline, row.days_counted)
    time.update({
        "statutory": row.days_limit, "promise": row.days_promise, "approval": row.days_approval,
        "review": row.days_review, "stopped": row.days_stopped, "elapsed": row.days_elapsed,
        "on_time": row.on_time, "late_steps": row.late_steps,
    })
    procedures = reduction(row.procedures_baseline, row.procedures)
    procedures["visits"] = reduction(row.visits_baseline, row.visits)
    steps = reduction(row.steps_baseline, row.steps)
    steps["rework_loops"] = row.rework_loops
    documents = reduction(row.documents_baseline, row.documents_uploaded)
    documents.update({"required": row.documents_required, "shared": row.documents_shared,
                      "reused": row.documents_reused, "supplement_rounds": row.supplement_rounds,
                      "rectification_rounds": row.rectification_rounds})
    return {
        "procedures": procedures,
        "steps": steps,
        "time": time,
        "fees": reduction(row.fee_baseline_yuan, row.fee_yuan),
        "documents": documents,
    }


def visible_facts(*, user: User, application_id: int) -> tuple[Application, ApplicationFacts | None]:
    """An application the user may see (else ``Application.DoesNotExist``) and its facts, if it has ended."""
    application = Application.objects.visible_to(user).get(pk=application_id)
    return application, ApplicationFacts.objects.filter(application=application).first()
