"""Aggregates over the roll-ups of the facts, each a fixed number of queries whatever their size.

One grouped read of the roll-ups (``periods.rollup_groups``) gives every count and sum per (month,
authority, type, track, outcome, rule set); the period's totals, each month's and each breakdown
row's are those groups added up in Python. The monthly distributions of counted time give the
median and the 90th percentile (nearest rank, so SQLite and PostgreSQL agree).
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from approvals.models import Application, RuleSet, User
from compiled import CompiledRows
from workflows.calendar import working_days_between
from workflows.exceptions import CalendarMissing
from workflows.models import Step

from ..facts import APPLICANT_NODES, OFFICIAL_NODES, limit_days
from ..figures_cache import cached_figures
from ..models import NODE_LABELS, NODES, ApplicationFacts
from .arithmetic import mean, number, percentile, reduction
from .filters import OUTCOMES, Filters
from .periods import GROUP_SUMS, HEADLINE_SUMS, rollup_groups, time_histogram


def _add_up(groups: list[dict[str, Any]], baseline_id: int | None = None) -> dict[str, Any]:
    """The totals of grouped counts and sums (a sum over groups that are all empty stays None),
    with the count of each outcome, and the count and counted time of the applications judged by a
    rule set other than the baseline (the "after" side of the actual handling time)."""
    keys = [key for key in GROUP_SUMS if not groups or key in groups[0]]
    totals: dict[str, Any] = {key: 0 if key == "n" or key.endswith("_n") else None for key in keys}
    totals.update({f"outcome_{outcome}": 0 for outcome in OUTCOMES})
    totals.update({"reformed_n": 0, "sum_days_counted_reformed": 0})
    for group in groups:
        for key in keys:
            value = group[key]
            if value is not None:
                totals[key] = value if totals[key] is None else totals[key] + value
        if group["outcome"] in OUTCOMES:
            totals[f"outcome_{group['outcome']}"] += group["n"]
        if group["rule_set_id"] != baseline_id:
            totals["reformed_n"] += group["n"]
            totals["sum_days_counted_reformed"] += group["sum_days_counted"] or 0
    return totals


def _regroup(groups: list[dict[str, Any]], *keys: str, baseline_id: int | None = None
             ) -> list[tuple[tuple, dict[str, Any]]]:
    """Groups added up by some of their dimensions, in the order of those dimensions."""
    parts: dict[tuple, list[dict[str, Any]]] = {}
    for group in groups:
        parts.setdefault(tuple(group[key] for key in keys), []).append(group)
    return [(key, _add_up(parts[key], baseline_id)) for key in sorted(parts)]


def _handling(t: dict[str, Any], history: dict[str, Any] | None) -> dict[str, Any]:
    """Actual handling time (counted working days) of the applications judged by the reformed rules,
    against the actual handling time of applications judged by the baseline rules in a comparable
    period; without such history, no reduction is claimed."""
    actual = mean(t.get("sum_days_counted_reformed"), t.get("reformed_n", 0))
    history_n = history["n"] if history else 0
    figure = reduction(mean(history["sum_days_counted"], history_n) if history_n else None, actual)
    figure.update({
        "baseline_applications": history_n,
        "no_baseline_history": not history_n,
        "baseline_period": history.get("period") if history else None,
    })
    return figure


def _reductions(t: dict[str, Any], history: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The five reductions (means per application) from the sums of a period, a month or a breakdown row.

    ``history`` holds the sums of the baseline's own applications (for the actual handling time).
    Detail figures a breakdown row does not sum are None."""
    n = t["n"]

    def per_application(name: str):
        return number(mean(t.get(f"sum_{name}"), n))

    def pair(baseline: str, actual: str) -> dict[str, Any]:
        return reduction(mean(t[f"sum_{baseline}"], n), mean(t[f"sum_{actual}"], n))

    # 减时间, statutory: the limits of the path each application took, now against the baseline's.
    time = pair("days_baseline", "days_limit")
    time["basis"] = "statutory"
    time["handling"] = _handling(t, history)
    time.update({name: per_application(field) for name, field in (
        ("counted", "days_counted"), ("approval", "days_approval"), ("review", "days_review"),
        ("stopped", "days_stopped"), ("elapsed", "days_elapsed"),
    )})
    if t.get("promise_n"):
        # Compared only over the applications a promise covered.
        time["promise"] = reduction(mean(t["sum_days_promise"], t["promise_n"]),
                                    mean(t["sum_days_counted_promised"], t["promise_n"]))
    procedures = pair("procedures_baseline", "procedures")
    if "sum_visits" in t:
        procedures["visits"] = pair("visits_baseline", "visits")
    steps = pair("steps_baseline", "steps")
    steps["rework_loops"] = per_application("rework_loops")
    steps["structural"] = pair("steps_structural_baseline", "steps_structural")
    documents = pair("documents_baseline", "documents_uploaded")
    documents.update({
        "required": per_application("documents_required"), "shared": per_application("documents_shared"),
        "reused": per_application("documents_reused"), "files": per_application("documents_files"),
        "supplement_rounds": per_application("supplement_rounds"),
    })
    return {
        "procedures": procedures,
        "steps": steps,
        "time": time,
        "fees": pair("fee_baseline_yuan", "fee_yuan"),
        "documents": documents,
    }


def figures(totals: dict[str, Any], histogram: list[tuple[int, int]], history: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    """The five-reductions figures (the API's shape) from sums and a distribution of counted time made
    elsewhere (the reform simulator adds them up application by application)."""
    return _headline(totals, histogram, history)


def _headline(totals: dict[str, Any], histogram: list[tuple[int, int]], history: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    n = totals["n"]
    return {
        "reductions": _reductions(totals, history),
        "applications": {"total": n, **{outcome: totals[f"outcome_{outcome}"] for outcome in OUTCOMES}},
        "on_time_rate": round(totals["on_time_n"] / n, 4) if n else None,
        "time_p50": percentile(histogram, 0.5),
        "time_p90": percentile(histogram, 0.9),
        "rework": {
            "supplement_rounds": number(mean(totals["sum_supplement_rounds"], n)),
            "rectification_rounds": number(mean(totals["sum_rectification_rounds"], n)),
        },
    }


@dataclass(frozen=True)
class RuleSets:
    """The rule sets the aggregates compare: in force today, the baseline, and the reform day (the first
    rule set to take effect after the baseline)."""

    current: RuleSet | None
    baseline: RuleSet | None
    reform_day: date | None
    reform_code: str | None = None


def rule_sets() -> RuleSets:
    """All in one query (the table holds a handful of rows)."""
    today = timezone.localdate()
    rows = list(RuleSet.objects.filter(is_promise=False))
    baseline = max((r for r in rows if r.is_baseline), key=lambda r: r.effective_from, default=None)
    current = max((r for r in rows if r.effective_from <= today), key=lambda r: r.effective_from, default=None)
    later = sorted((r for r in rows if baseline and not r.is_baseline and r.effective_from > baseline.effective_from),
                   key=lambda r: r.effective_from)
    reform = later[0] if later else None
    return RuleSets(current=current, baseline=baseline, reform_day=reform.effective_from if reform else None,
                    reform_code=reform.code if reform else None)


def comparable_period(filters: Filters, rules: RuleSets) -> tuple[date, date] | None:
    """The baseline history a period is compared with: a period of the same length ending the day
    before the reform took effect (None: no period chosen, so all of the baseline's history)."""
    if not (filters.start and filters.end and rules.reform_day):
        return None
    length = filters.end - filters.start
    return rules.reform_day - timedelta(days=1) - length, rules.reform_day - timedelta(days=1)


def baseline_history(*, filters: Filters, rules: RuleSets) -> list[dict[str, Any]]:
    """The handling time of applications judged by the baseline rules, in the comparable period, with
    the same type, track, authority and outcome filters, per (authority, type, track) (one query)."""
    if rules.baseline is None:
        return []
    period = comparable_period(filters, rules)
    history = Filters(start=period[0] if period else None, end=period[1] if period else None,
                      application_type=filters.application_type, track=filters.track,
                      authority=filters.authority, outcome=filters.outcome)
    groups = rollup_groups(history, ("authority", "application_type", "track"),
                     {"n": Sum("n"), "sum_days_counted": Sum("sum_days_counted")}, rule_set_id=rules.baseline.pk)
    for group in groups:
        group["period"] = [day.isoformat() for day in period] if period else None
    return groups


def _history_total(groups: list[dict[str, Any]], **match: str) -> dict[str, Any]:
    """The baseline history added up (over the groups matching ``match``)."""
    chosen = [g for g in groups if all(g[key] == value for key, value in match.items())]
    return {
        "n": sum(g["n"] for g in chosen),
        "sum_days_counted": sum(g["sum_days_counted"] or 0 for g in chosen),
        "period": chosen[0]["period"] if chosen else None,
    }


def five_reductions(*, filters: Filters) -> dict[str, Any]:
    """The headline: the five reductions over the period, counts, on-time rate, median and p90 time.

    Four queries, whatever the number of applications.
    """
    rules = rule_sets()
    history = _history_total(baseline_history(filters=filters, rules=rules))
    totals = _add_up(rollup_groups(filters, by=("outcome", "rule_set_id"), sums=HEADLINE_SUMS), _pk(rules.baseline))
    return _headline(totals, time_histogram(filters), history)


def _pk(rule_set: RuleSet | None) -> int | None:
    return rule_set.pk if rule_set else None


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
            "mean_days": number(mean(totals[f"{node}_sum"], n)),
            "limit": limit_days(current, node),
            "baseline_limit": limit_days(baseline, node),
            "late": totals[f"{node}_late_n"],
            "late_rate": round(totals[f"{node}_late_n"] / n, 4) if n else None,
        })
    return result


def _by_month(groups: list[dict[str, Any]], history: dict[str, Any] | None = None, baseline_id: int | None = None
              ) -> list[dict[str, Any]]:
    """Each month, its handling time against the period's baseline history."""
    return [
        {
            "month": month.strftime("%Y-%m"),
            "applications": totals["n"],
            "on_time_rate": round(totals["on_time_n"] / totals["n"], 4),
            "reductions": _reductions(totals, history),
        }
        for (month,), totals in _regroup(groups, "ended_month", baseline_id=baseline_id)
    ]


def by_month(*, filters: Filters) -> list[dict[str, Any]]:
    """The five reductions, counts and on-time rate per month an application ended (one query)."""
    baseline_id = _pk(rule_sets().baseline)
    return _by_month(rollup_groups(filters, by=("ended_month", "outcome", "rule_set_id")),
                     baseline_id=baseline_id)


def _breakdown(groups: list[dict[str, Any]], history: list[dict[str, Any]] | None = None,
               baseline_id: int | None = None) -> list[dict[str, Any]]:
    types = dict(ApplicationFacts._meta.get_field("application_type").choices)
    tracks = dict(ApplicationFacts._meta.get_field("track").choices)
    return [
        {
            "authority": authority,
            "application_type": application_type,
            "application_type_display": str(types.get(application_type, application_type)),
            "track": track,
            "track_display": str(tracks.get(track, track)),
            "applications": totals["n"],
            "on_time_rate": round(totals["on_time_n"] / totals["n"], 4),
            "reductions": _reductions(totals, _history_total(
                history or [], authority=authority, application_type=application_type, track=track)),
        }
        for (authority, application_type, track), totals in _regroup(
            groups, "authority", "application_type", "track", baseline_id=baseline_id)
    ]


def breakdown(*, filters: Filters) -> list[dict[str, Any]]:
    """Counts, time and the reductions by issuing authority, application type and track (one query)."""
    baseline_id = _pk(rule_sets().baseline)
    return _breakdown(rollup_groups(filters, by=("authority", "application_type", "track", "outcome",
                                                          "rule_set_id")), baseline_id=baseline_id)


def _overdue(on: date):
    """Open steps past their due date ``on``, most overdue first."""
    return Step.objects.active().filter(due_date__lt=on).order_by("due_date", "id")


def _overdue_days(due_date: date, on: date) -> int | None:
    """Working days since the due date (the calendar is cached: no query); None without the calendar."""
    try:
        return working_days_between(due_date, on)
    except CalendarMissing:
        return None


def overdue_steps(*, limit: int = 50, on: date | None = None) -> tuple[list[Step], int]:
    """Open steps past their due date, most overdue first, and how many there are (two queries, always:
    the count is cheap on the partial index of live steps by due date). Each step carries
    ``overdue_days``, the working days since its due date."""
    on = on or timezone.localdate()
    overdue = _overdue(on)
    rows = list(overdue.select_related("application__agency", "claimed_by")[:limit])
    for step in rows:
        step.overdue_days = _overdue_days(step.due_date, on)
    return rows, overdue.count()


@dataclass(frozen=True)
class OverdueRow:
    """One overdue step as the dashboard page lists it."""

    application_id: int
    reference: str
    agency_name: str
    node: str
    claimed_by: str  # the holder's name as the pages write a user; "" while unclaimed
    entered_at: datetime | None
    due_date: date
    overdue_days: int | None


OVERDUE_ROW_FIELDS = ("application_id", "application__created", "application__agency__name", "node",
                      "claimed_by__first_name", "claimed_by__last_name", "claimed_by__username", "entered_at", "due_date")
# The dashboard's overdue rows, compiled once per process for each limit (the ``compiled`` package): the
# query with its three joins cost more to build than to run, on every view of the page.
_OVERDUE_ROWS = CompiledRows()


def overdue_step_rows(*, limit: int = 50, on: date | None = None) -> tuple[list[OverdueRow], int]:
    """``overdue_steps`` for the dashboard page: the same steps in the same order and count, read as
    the values the page shows (two queries) rather than as steps with their applications, agencies and
    holders, which cost more to build than the page's figures."""
    on = on or timezone.localdate()
    values = _OVERDUE_ROWS.fetch(("overdue", limit), lambda on: _overdue(on).values_list(*OVERDUE_ROW_FIELDS)[:limit],
                                 on=on)
    rows = [OverdueRow(application_id, Application.reference_of(created=created, pk=application_id), agency_name,
                       node, User.name_of(first, last, username) if username is not None else "", entered_at,
                       due_date, _overdue_days(due_date, on))
            for application_id, created, agency_name, node, first, last, username, entered_at, due_date in values]
    return rows, _overdue(on).count()


def period_comparison(*, filters: Filters, rules: RuleSets) -> dict[str, Any] | None:
    """The five reductions before and after the reform took effect (the first rule set after the
    baseline), within the chosen period and dimensions, overall and per application type and track
    (two queries; None without a reform day)."""
    day = rules.reform_day
    if day is None:
        return None
    before_end = min(filter(None, [filters.end, day - timedelta(days=1)]))
    after_start = max(filter(None, [filters.start, day]))
    sides = {
        "before": replace(filters, end=before_end),
        "after": replace(filters, start=after_start),
    }
    by = ("application_type", "track", "outcome", "rule_set_id")
    result: dict[str, Any] = {"reform_day": day.isoformat(), "rule_set": rules.reform_code, "overall": {}, "by_type_track": []}
    split: dict[tuple[str, str], dict[str, Any]] = {}
    for side, side_filters in sides.items():
        empty = side_filters.start and side_filters.end and side_filters.end < side_filters.start
        groups = [] if empty else rollup_groups(side_filters, by=by, sums=HEADLINE_SUMS)
        totals = _add_up(groups)
        result["overall"][side] = {"applications": totals["n"], "reductions": _reductions(totals)}
        for (kind, track), part in _regroup(groups, "application_type", "track"):
            split.setdefault((kind, track), {})[side] = {"applications": part["n"], "reductions": _reductions(part)}
    types = dict(ApplicationFacts._meta.get_field("application_type").choices)
    tracks = dict(ApplicationFacts._meta.get_field("track").choices)
    for (kind, track), sides_found in sorted(split.items()):
        result["by_type_track"].append({
            "application_type": kind, "application_type_display": str(types.get(kind, kind)),
            "track": track, "track_display": str(tracks.get(track, track)),
            "before": sides_found.get("before"), "after": sides_found.get("after"),
        })
    return result


def dashboard(*, filters: Filters, overdue_limit: int = 50) -> dict[str, Any]:
    """Everything the service-centre dashboard shows (eight queries, whatever the data size; the two of
    the overdue steps only while the figures from the facts are cached: ``metrics.figures_cache``)."""
    figures = cached_figures(filters, lambda: dashboard_figures(filters=filters))
    overdue, overdue_total = overdue_steps(limit=overdue_limit)
    return {**figures, "overdue": overdue, "overdue_total": overdue_total}


def dashboard_figures(*, filters: Filters) -> dict[str, Any]:
    """The dashboard's figures from the roll-ups of the facts and the rule sets (six queries)."""
    groups = rollup_groups(filters)
    rules = rule_sets()
    baseline_id = _pk(rules.baseline)
    totals = _add_up(groups, baseline_id)
    history = baseline_history(filters=filters, rules=rules)
    return {
        **_headline(totals, time_histogram(filters), _history_total(history)),
        "steps": step_times(totals, current=rules.current, baseline=rules.baseline),
        "months": _by_month(groups, _history_total(history), baseline_id),
        "breakdown": _breakdown(groups, history, baseline_id),
        "comparison": period_comparison(filters=filters, rules=rules),
        "rule_sets": {"current": rules.current, "baseline": rules.baseline},
    }
