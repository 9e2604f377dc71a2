"""Roll-ups of the facts: per day and group (``DailyFacts``) and per month and group with the distribution
of time (``MonthlyFacts``), so the dashboard reads tables bounded by months × groups (and the days of
the months a period cuts through), whatever the number of applications.

A group's roll-up is never adjusted by a difference: whenever a fact is written, the groups it left
and entered are recomputed from their fact rows, under a row lock on the roll-up (taken before the
recomputation reads, so two writers of one group follow each other and the second one reads the
first one's committed fact). ``rollups_rebuild`` rewrites both tables from the facts at once (after
a bulk load or a recomputation).
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from .figures_cache import figures_changed
from .models import NODES, SUMMED, ApplicationFacts, DailyFacts, MonthlyFacts

DAY_KEY = ("ended_on", "authority", "application_type", "track", "outcome", "rule_set_id")
MONTH_KEY = ("ended_month", "authority", "application_type", "track", "outcome", "rule_set_id")

# What a group of fact rows adds up to: the columns of ``DailyFacts``.
FACT_SUMS: dict[str, Any] = {
    "n": Count("pk"),
    "on_time_n": Count("pk", filter=Q(on_time=True)),
    **{f"sum_{name}": Sum(name) for name in SUMMED},
    "promise_n": Count("days_promise"),
    "sum_days_promise": Sum("days_promise"),
    "sum_days_counted_promised": Sum("days_counted", filter=Q(days_promise__isnull=False)),
    **{key: aggregate for node in NODES for key, aggregate in (
        (f"{node}_sum", Sum(f"{node}_days")),
        (f"{node}_n", Count(f"{node}_days")),
        (f"{node}_late_n", Count("pk", filter=Q(**{f"{node}_late": True}))),
    )},
}


def day_key(row: ApplicationFacts | dict[str, Any]) -> tuple:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return tuple(get(name) for name in DAY_KEY)


def _filter(key: tuple, names: tuple[str, ...]) -> dict[str, Any]:
    return dict(zip(names, key, strict=True))


def _zeros(values: dict[str, Any]) -> dict[str, Any]:
    """The sums of a group, an empty sum (all null) stored as zero; its dimensions as they are."""
    return {name: (value or 0) if name in FACT_SUMS else value for name, value in values.items()}


def _lock(model, key: dict[str, Any], defaults: dict[str, Any]):
    """The roll-up row of a group, created if missing, locked until the transaction ends."""
    model.objects.bulk_create([model(**key, **defaults)], ignore_conflicts=True)
    return model.objects.select_for_update().get(**key)


def rollups_refresh(*, keys: Iterable[tuple]) -> None:
    """Recompute the day groups ``keys`` (``DAY_KEY`` tuples) and their month groups.

    Call it inside the transaction that wrote the facts, with the groups a fact left and entered."""
    days = sorted({key for key in keys if key is not None}, key=repr)  # one order: no deadlock
    if not days:
        return
    figures_changed()
    with transaction.atomic():
        months = set()
        for key in days:
            where = _filter(key, DAY_KEY)
            month = where["ended_on"].replace(day=1)
            months.add((month, *key[1:]))
            row = _lock(DailyFacts, where, {"ended_month": month})
            values = ApplicationFacts.objects.filter(**where).aggregate(**FACT_SUMS)
            if not values["n"]:
                row.delete()
                continue
            DailyFacts.objects.filter(pk=row.pk).update(**_zeros(values))
        for key in sorted(months, key=repr):
            where = _filter(key, MONTH_KEY)
            row = _lock(MonthlyFacts, where, {})
            rows = ApplicationFacts.objects.filter(**where)
            values = rows.aggregate(**FACT_SUMS)
            if not values["n"]:
                row.delete()
                continue
            MonthlyFacts.objects.filter(pk=row.pk).update(histogram=_histogram(rows), **_zeros(values))


def _histogram(rows) -> dict[str, int]:
    return {str(days): n for days, n in rows.order_by().values("days_counted").annotate(n=Count("pk"))
            .values_list("days_counted", "n")}


BATCH = 2000


@transaction.atomic
def rollups_rebuild() -> tuple[int, int]:
    """Rewrite both roll-up tables from the facts (three grouped reads). Returns their row counts."""
    figures_changed()
    DailyFacts.objects.all().delete()
    MonthlyFacts.objects.all().delete()
    groups = ApplicationFacts.objects.order_by().values(*DAY_KEY).annotate(**FACT_SUMS)
    if connection.vendor == "postgresql":
        days = _insert_select(groups)  # one statement: no row comes back to Python
    else:
        daily = [DailyFacts(ended_month=group["ended_on"].replace(day=1), **_zeros(group)) for group in groups]
        DailyFacts.objects.bulk_create(daily, batch_size=BATCH)
        days = len(daily)
    histograms: dict[tuple, dict[str, int]] = {}
    counts = ApplicationFacts.objects.order_by().values_list(*MONTH_KEY, "days_counted").annotate(n=Count("pk"))
    for *key, days_counted, n in counts:
        histograms.setdefault(tuple(key), {})[str(days_counted)] = n
    monthly = [
        MonthlyFacts(histogram=histograms[tuple(group[name] for name in MONTH_KEY)], **_zeros(group))
        for group in ApplicationFacts.objects.order_by().values(*MONTH_KEY).annotate(**FACT_SUMS)
    ]
    MonthlyFacts.objects.bulk_create(monthly, batch_size=BATCH)
    return days, len(monthly)


def _insert_select(groups) -> int:
    """``INSERT INTO`` the day roll-ups ``SELECT`` the grouped facts, empty sums as zero."""
    sql, params = groups.query.sql_with_params()
    names = [*groups.query.values_select, *groups.query.annotation_select]
    columns = {f.attname: f.column for f in DailyFacts._meta.concrete_fields}
    quote = connection.ops.quote_name
    selected = ", ".join(f"COALESCE(g.{quote(name)}, 0)" if name in FACT_SUMS else f"g.{quote(name)}" for name in names)
    target = ", ".join(quote(columns[name]) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(DailyFacts._meta.db_table)} ({target}, {quote('ended_month')}) "
            f"SELECT {selected}, date_trunc('month', g.{quote('ended_on')})::date FROM ({sql}) AS g",
            params,
        )
        return cursor.rowcount
