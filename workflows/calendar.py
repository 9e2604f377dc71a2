"""China's working-day calendar: the arithmetic of statutory limits (Administrative Licensing Law art. 82).

Convention: the start day is not counted. ``add_working_days(d, n)`` is the n-th working day after
``d`` and ``working_days_between(d, add_working_days(d, n)) == n``; ``working_days_between(d, d) == 0``.
A year after the last one the table holds (the State Council publishes each year's arrangement late in
the year before) is *provisional*: weekends and the statutory holidays by rule (the ``holidays``
package) are days off, nothing else; its make-up workdays (调休上班) are not trusted, so a provisional
year has none. Deadlines falling in such a year are shown marked 暂定 and recomputed when an
administrator enters the year. Any other missing year (before the table starts, or a gap) raises
``CalendarMissing``: nothing is guessed for the past.

Each year's working days are cached per process as a sorted tuple of ordinals, so a lookup is a
binary search. An edit bumps the year's revision: the editing process drops its cache at once,
every other process notices the new revision within ``CMA_CALENDAR_CACHE_SECONDS``.
"""

import logging
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

import outbox

from .exceptions import CalendarMissing
from .models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)

Kind = CalendarDay.Kind

# chinesecalendar names its holidays in English; the calendar table keeps the Chinese names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


# --- the arithmetic -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _CachedYear:
    revision: int
    workdays: tuple[int, ...] | None  # ordinals of the year's working days, ascending; None: no such year
    checked: float  # time.monotonic() of the last revision check
    provisional: bool = False  # not in the table: computed from weekends and the statutory holidays


_cache: dict[int, _CachedYear] = {}
_cache_lock = threading.Lock()
_latest: list[tuple[int | None, float]] = []  # (latest loaded year, checked), cached like the years
# How far past the last loaded year provisional dates are given (beyond: CalendarMissing).
PROVISIONAL_YEARS = 3


def clear_cache() -> None:
    """Forget every cached year (after an edit in this process, and between tests)."""
    with _cache_lock:
        _cache.clear()
        _latest.clear()


def _latest_loaded_year(now: float) -> int | None:
    if _latest and now - _latest[0][1] < settings.CMA_CALENDAR_CACHE_SECONDS:
        return _latest[0][0]
    latest = CalendarYear.objects.order_by("-year").values_list("year", flat=True).first()
    with _cache_lock:
        _latest[:] = [(latest, now)]
    return latest


def provisional_days_off(year: int) -> set[date]:
    """The statutory public holidays of ``year`` by rule, from the ``holidays`` package. Its days
    "substituted" from a make-up weekend are left out with the make-up workdays themselves: they
    come from a schedule the package may have wrong; only the State Council's notice is trusted."""
    import holidays

    return {day for day, name in holidays.China(years=year).items() if "substituted" not in name}


def _provisional_workdays(year: int) -> tuple[int, ...]:
    off = provisional_days_off(year)
    return tuple(day.toordinal() for day in _days_of(year) if day.weekday() < 5 and day not in off)


def _workdays(year: int) -> tuple[int, ...]:
    now = time.monotonic()
    entry = _cache.get(year)
    if entry is not None and now - entry.checked < settings.CMA_CALENDAR_CACHE_SECONDS:
        if entry.workdays is None:
            raise CalendarMissing(year)
        return entry.workdays
    revision = CalendarYear.objects.filter(year=year).values_list("revision", flat=True).first()
    if revision is None:  # remembered too: pages asking about a missing year stay query-free
        latest = _latest_loaded_year(now)
        if latest is not None and latest < year <= latest + PROVISIONAL_YEARS:
            entry = _CachedYear(0, _provisional_workdays(year), now, provisional=True)
            with _cache_lock:
                _cache[year] = entry
            return entry.workdays
        with _cache_lock:
            _cache[year] = _CachedYear(0, None, now)
        raise CalendarMissing(year)
    if entry is None or entry.revision != revision or entry.workdays is None:
        days = (
            CalendarDay.objects.filter(year_id=year, kind__in=CalendarDay.WORKING_KINDS)
            .order_by("date")
            .values_list("date", flat=True)
        )
        entry = _CachedYear(revision, tuple(day.toordinal() for day in days), now)
    else:
        entry = _CachedYear(entry.revision, entry.workdays, now)
    with _cache_lock:
        _cache[year] = entry
    return entry.workdays


def is_provisional(start: date, end: date) -> bool:
    """Whether a count from ``start`` to ``end`` runs through a provisional year (shown as 暂定)."""
    for year in range(min(start, end).year, max(start, end).year + 1):
        try:
            _workdays(year)
        except CalendarMissing:
            continue
        entry = _cache.get(year)
        if entry is not None and entry.provisional:
            return True
    return False


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (a make-up Saturday is; a weekday in a holiday is not)."""
    workdays = _workdays(day.year)
    i = bisect_left(workdays, day.toordinal())
    return i < len(workdays) and workdays[i] == day.toordinal()


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (before it, for a negative ``days``); ``start`` itself is not counted."""
    year = start.year
    workdays = _workdays(year)
    if days == 0:
        return start
    if days > 0:
        i = bisect_right(workdays, start.toordinal())  # first working day after start
        remaining = days
        while remaining > len(workdays) - i:
            remaining -= len(workdays) - i
            year += 1
            workdays, i = _workdays(year), 0
        return date.fromordinal(workdays[i + remaining - 1])
    i = bisect_left(workdays, start.toordinal())  # working days before start: workdays[:i]
    remaining = -days
    while remaining > i:
        remaining -= i
        year -= 1
        workdays = _workdays(year)
        i = len(workdays)
    return date.fromordinal(workdays[i - remaining])


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    total = 0
    for year in range(start.year, end.year + 1):
        workdays = _workdays(year)
        lo = bisect_right(workdays, start.toordinal()) if year == start.year else 0
        hi = bisect_right(workdays, end.toordinal()) if year == end.year else len(workdays)
        total += hi - lo
    return total


def loaded_years() -> list[int]:
    """The years the calendar table holds, ascending."""
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


# --- filling the table --------------------------------------------------------------------------
def package_years() -> list[int]:
    """The years the installed ``chinesecalendar`` knows."""
    import chinese_calendar

    return sorted({day.year for day in chinese_calendar.holidays})


def days_from_package(year: int) -> list[tuple[date, str, str]]:
    """(date, kind, holiday name) for every day of ``year`` from ``chinesecalendar``; raises for an unknown year."""
    import chinese_calendar

    if year not in package_years():
        raise CalendarMissing(year)
    rows = []
    for day in _days_of(year):
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        name = HOLIDAY_NAMES.get(name, name or "")
        if day in chinese_calendar.workdays:  # a weekend day made a workday (调休上班)
            rows.append((day, Kind.MAKEUP.value, name))
        elif on_holiday and name:
            rows.append((day, Kind.HOLIDAY.value, name))
        elif day.weekday() >= 5:
            rows.append((day, Kind.WEEKEND.value, ""))
        else:
            rows.append((day, Kind.WORKDAY.value, ""))
    return rows


def weekday_template(year: int) -> list[tuple[date, str, str]]:
    """A year with only weekends off: the starting point an administrator corrects day by day."""
    return [(day, (Kind.WEEKEND if day.weekday() >= 5 else Kind.WORKDAY).value, "") for day in _days_of(year)]


def _days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def write_year(year_model, day_model, year: int, rows: list[tuple[date, str, str]], *, source: str,
               keep_edited: bool = True, using: str = "default") -> None:
    """Store one year's days (the models are passed in: the post-migrate seeding uses historical ones)."""
    years, days = year_model.objects.using(using), day_model.objects.using(using)
    _calendar_year, created = years.get_or_create(year=year, defaults={"source": source})
    if not created:
        years.filter(pk=year).update(source=source, revision=F("revision") + 1)
    edited = set()
    if keep_edited:
        edited = set(days.filter(year_id=year, edited=True).values_list("date", flat=True))
    days.filter(year_id=year).exclude(date__in=edited).delete()
    days.bulk_create(
        day_model(date=day, year_id=year, kind=kind, name=name) for day, kind, name in rows if day not in edited
    )


# chinesecalendar starts in 2004; the product needs the years from the 2015 baseline rules on.
FIRST_SEEDED_YEAR = 2015


def seed_calendar(*, apps=None, using: str = "default", **_kwargs) -> list[int]:
    """Fill an empty calendar table from ``chinesecalendar`` (runs after migrate; idempotent: a table
    that holds any year, e.g. one an administrator curated, is left alone)."""
    try:
        year_model = apps.get_model("workflows", "CalendarYear") if apps else CalendarYear
        day_model = apps.get_model("workflows", "CalendarDay") if apps else CalendarDay
    except LookupError:  # migrated only part of the way
        return []
    if year_model.objects.using(using).exists():
        return []
    years = [year for year in package_years() if year >= FIRST_SEEDED_YEAR]
    with transaction.atomic(using=using):
        for year in years:
            write_year(year_model, day_model, year, days_from_package(year), source=CalendarYear.Source.PACKAGE,
                       using=using)
    clear_cache()
    return years


@transaction.atomic
def calendar_load(*, years: Iterable[int], keep_edited: bool = True) -> list[int]:
    """Load (or reload) years from ``chinesecalendar``. Days an administrator corrected are kept
    unless ``keep_edited`` is off. Open deadlines are recomputed after commit."""
    years = sorted(set(years))
    for year in years:
        write_year(CalendarYear, CalendarDay, year, days_from_package(year),
                   source=CalendarYear.Source.PACKAGE, keep_edited=keep_edited)
    _changed(years)
    return years


@transaction.atomic
def calendar_year_create(*, year: int, note: str = "") -> CalendarYear:
    """Add a year: from ``chinesecalendar`` when it knows the year, else weekends-only for an
    administrator to correct from the State Council's notice (the year is marked as entered by hand)."""
    if CalendarYear.objects.filter(pk=year).exists():
        raise ValidationError({"year": _("%(year)s 年的工作日历已存在。") % {"year": year}})
    if year in package_years():
        write_year(CalendarYear, CalendarDay, year, days_from_package(year), source=CalendarYear.Source.PACKAGE)
    else:
        write_year(CalendarYear, CalendarDay, year, weekday_template(year), source=CalendarYear.Source.MANUAL)
    if note:
        CalendarYear.objects.filter(pk=year).update(note=note)
    _changed([year])
    return CalendarYear.objects.get(pk=year)


@transaction.atomic
def calendar_day_set(*, day: date, kind: str, name: str = "") -> CalendarDay:
    """Correct one day (e.g. a holiday announced late). Open deadlines spanning it are recomputed."""
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise CalendarMissing(day.year)
    row.kind, row.name, row.edited = kind, name.strip(), True
    row.full_clean()
    row.save()
    CalendarYear.objects.filter(pk=day.year).update(revision=F("revision") + 1)
    _changed([day.year], start=day, end=day)
    return row


def _changed(years: list[int], *, start: date | None = None, end: date | None = None) -> None:
    clear_cache()
    transaction.on_commit(clear_cache)  # a concurrent reader may have cached the old rows meanwhile
    if not years:
        return
    start = start or date(min(years), 1, 1)
    end = end or date(max(years), 12, 31)
    outbox.schedule("calendar.due_dates", f"{start.isoformat()}/{end.isoformat()}")  # deadlines moved by the worker
