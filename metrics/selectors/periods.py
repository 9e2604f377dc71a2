"""Reading the roll-ups for a period: whole months from ``MonthlyFacts``, the days of a month the period
cuts through from ``DailyFacts`` (and, for the distribution of time, from the facts of those days).

Each reader costs one query for the whole months and one more only when the period cuts a month.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connections
from django.db.models import Count, QuerySet, Sum

from ..models import NODES, MonthlyFacts
from ..rollups import FACT_SUMS
from .filters import Filters, daily, facts, matching

# What a group of roll-up rows adds up to (the headline needs no step columns).
GROUP_SUMS = {key: Sum(key) for key in FACT_SUMS}
HEADLINE_SUMS = {key: Sum(key) for key in FACT_SUMS if not key.startswith(NODES)}
DIMENSIONS = ("ended_month", "authority", "application_type", "track", "outcome", "rule_set_id")


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class _Period:
    """The whole months of a period (first and last, None: open) and whether it cuts a month."""

    first: date | None
    last: date | None
    cut: bool


def _period(filters: Filters) -> _Period:
    first = last = None
    if filters.start:
        first = filters.start if filters.start.day == 1 else _next_month(_month_start(filters.start))
    if filters.end:
        after = filters.end + timedelta(days=1)
        last = _month_start(filters.end) if after.day == 1 else _month_start(_month_start(filters.end) - timedelta(days=1))
    cut = bool((filters.start and filters.start.day != 1) or (filters.end and (filters.end + timedelta(days=1)).day != 1))
    return _Period(first, last, cut)


def _dimensions(filters: Filters) -> Filters:
    return Filters(application_type=filters.application_type, track=filters.track, authority=filters.authority,
                   outcome=filters.outcome)


def _whole_months(rows: QuerySet, period: _Period) -> QuerySet:
    if period.first:
        rows = rows.filter(ended_month__gte=period.first)
    if period.last:
        rows = rows.filter(ended_month__lte=period.last)
    return rows


def _edge_days(rows: QuerySet, period: _Period) -> QuerySet:
    """Rows of the period (already filtered by day) outside its whole months."""
    if period.first and period.last:
        return rows.exclude(ended_month__gte=period.first, ended_month__lte=period.last) \
            if period.first <= period.last else rows
    if period.first:
        return rows.exclude(ended_month__gte=period.first)
    if period.last:
        return rows.exclude(ended_month__lte=period.last)
    return rows


def time_histogram(filters: Filters) -> list[tuple[int, int]]:
    """The distribution of counted time over the filtered applications, as sorted (days, count):
    whole months from the monthly roll-ups, the days of a month the period cuts through from the
    fact rows of those days alone (one more query, only then)."""
    period = _period(filters)
    months = _whole_months(matching(MonthlyFacts.objects.all(), filters=_dimensions(filters)), period)
    counts: Counter[int] = Counter(dict(_summed_histograms(months)))
    if period.cut:
        edges = _edge_days(facts(filters=filters), period)
        for days, n in edges.order_by().values("days_counted").annotate(n=Count("pk")).values_list("days_counted", "n"):
            counts[days] += n
    return sorted(counts.items())


# The table function that turns a JSON object into (key, value) rows, as text, on each database.
_JSON_EACH = {"postgresql": "jsonb_each_text", "sqlite": "json_each"}


def _summed_histograms(months: QuerySet) -> list[tuple[int, int]]:
    """The monthly rows' histograms added up in the database: one row per distinct time, so what
    Python reads stays as small as the range of times however many months and groups there are
    (decoding and merging each row's histogram in Python grew with the data)."""
    connection = connections[months.db]
    sql, params = months.values("histogram").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CAST(e.key AS integer), SUM(CAST(e.value AS integer)) "  # noqa: S608 (Django's own SQL)
            f"FROM ({sql}) AS m, {_JSON_EACH[connection.vendor]}(m.histogram) AS e GROUP BY 1",
            params,
        )
        return cursor.fetchall()


def rollup_groups(filters: Filters, by: tuple[str, ...] = DIMENSIONS, sums: dict | None = None,
            **extra: Any) -> list[dict[str, Any]]:
    """Every count and sum, per group of ``by`` (the outcome is always among them): whole months from
    the monthly roll-ups (one query), the days of a month the period cuts through from the daily ones
    (one more query, only then). The same group may come twice; adding up merges it."""
    period = _period(filters)
    sums = sums or GROUP_SUMS
    months = _whole_months(matching(MonthlyFacts.objects.filter(**extra), filters=_dimensions(filters)), period)
    groups = list(months.order_by().values(*by).annotate(**sums))
    if period.cut:
        days = _edge_days(daily(filters=filters).filter(**extra), period)
        groups += list(days.order_by().values(*by).annotate(**sums))
    return groups
