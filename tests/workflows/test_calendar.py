"""Working-day arithmetic on the real 2025 and 2026 calendars (seeded from chinesecalendar)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from workflows.calendar import (
    add_working_days,
    calendar_day_set,
    calendar_load,
    calendar_year_create,
    is_provisional,
    is_working_day,
    loaded_years,
    provisional_days_off,
    working_days_between,
)
from workflows.exceptions import CalendarMissing
from workflows.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

D = date


def test_both_years_the_product_needs_are_loaded():
    assert {2025, 2026} <= set(loaded_years())
    assert CalendarDay.objects.filter(year=2026).count() == 365
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.PACKAGE


def test_convention_the_start_day_is_not_counted():
    assert add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 3)  # Monday → Tuesday
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday → Monday
    assert add_working_days(D(2026, 3, 7), 1) == D(2026, 3, 9)  # a Saturday start: Monday is day 1
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 9)) == 5
    assert working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == -5
    assert add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)


def test_spring_festival_2026_with_its_two_make_up_saturdays():
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))  # Saturdays worked (调休)
    assert not any(is_working_day(D(2026, 2, 15) + timedelta(days=i)) for i in range(9))  # 15–23 off
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Acceptance (5 working days) entered on Thursday 12 February: 13, 14 (Sat), 24, 25, 26.
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    # 25, 26, 27 and Saturday 28 February are working days; Sunday 1 March is not.
    assert add_working_days(D(2026, 2, 24), 4) == D(2026, 2, 28)
    assert add_working_days(D(2026, 2, 28), 1) == D(2026, 3, 2)
    assert working_days_between(D(2026, 2, 1), D(2026, 2, 28)) == 16  # 5 + 5 + 14th + 4 + 28th


def test_spring_festival_2025_and_a_deadline_across_it():
    assert is_working_day(D(2025, 1, 26)) and is_working_day(D(2025, 2, 8))  # Sunday and Saturday worked
    assert add_working_days(D(2025, 1, 24), 2) == D(2025, 1, 27)  # Sunday 26 January counts
    assert add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)  # 28 Jan – 4 Feb off
    # Decision (10 working days) from Friday 24 January 2025: 26 Jan, 27 Jan, 5, 6, 7, 8 (Sat), 10, 11, 12, 13 Feb.
    assert add_working_days(D(2025, 1, 24), 10) == D(2025, 2, 13)


def test_labour_day():
    assert add_working_days(D(2026, 4, 30), 1) == D(2026, 5, 6)  # 1–5 May off
    assert is_working_day(D(2026, 5, 9))  # make-up Saturday
    assert add_working_days(D(2026, 5, 8), 1) == D(2026, 5, 9)
    assert add_working_days(D(2025, 4, 30), 1) == D(2025, 5, 6)
    assert is_working_day(D(2025, 4, 27))  # make-up Sunday before it
    assert working_days_between(D(2025, 4, 25), D(2025, 5, 6)) == 5  # 27, 28, 29, 30 Apr and 6 May


def test_national_day():
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert is_working_day(D(2026, 9, 20)) and is_working_day(D(2026, 10, 10))
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)  # 1–8 October 2025 off
    assert is_working_day(D(2025, 10, 11))
    # Review (30 working days) entered on 15 September 2025: 9 days to 26 Sep, Sunday 28 Sep,
    # 29–30 Sep (12), 9–11 Oct with Saturday 11 (15), three full weeks (30) → Friday 31 October.
    assert add_working_days(D(2025, 9, 15), 30) == D(2025, 10, 31)
    assert working_days_between(D(2025, 9, 15), D(2025, 10, 31)) == 30


def test_across_the_new_year_and_backwards():
    assert add_working_days(D(2025, 12, 30), 2) == D(2026, 1, 4)  # 31 Dec; 1–3 Jan off; Sunday 4 Jan worked
    assert add_working_days(D(2026, 1, 4), -2) == D(2025, 12, 30)
    assert working_days_between(D(2025, 12, 30), D(2026, 1, 5)) == 3


def test_adding_then_counting_round_trips():
    start = D(2025, 1, 1)
    for offset in range(0, 660, 17):  # up to late October 2026: +45 stays in 2026
        day = start + timedelta(days=offset)
        for n in (1, 5, 10, 30, 45):
            end = add_working_days(day, n)
            assert working_days_between(day, end) == n
            assert is_working_day(end)


@pytest.mark.parametrize("call", [
    lambda: add_working_days(D(2014, 6, 3), 1),  # before the seeded years
    lambda: working_days_between(D(2014, 12, 1), D(2015, 1, 8)),
    lambda: is_working_day(D(2030, 1, 2)),  # too far past the last loaded year to guess
])
def test_a_year_without_data_raises_a_clear_error(call):
    with pytest.raises(CalendarMissing) as error:
        call()
    assert "工作日历缺少" in str(error.value)


def test_a_gap_in_the_table_is_not_guessed():
    CalendarYear.objects.filter(year=2025).delete()
    with pytest.raises(CalendarMissing):
        add_working_days(D(2024, 12, 30), 5)


def test_the_year_after_the_last_loaded_one_is_provisional_weekends_and_statutory_holidays():
    # Hand count from Monday 28 December 2026: 29, 30, 31 December; 1 January 2027 (元旦) is off;
    # 4-8 and 11, 12 January.
    assert add_working_days(D(2026, 12, 28), 10) == D(2027, 1, 12)
    assert is_provisional(D(2026, 12, 28), D(2027, 1, 12)) and not is_provisional(D(2026, 1, 5), D(2026, 12, 31))
    assert not is_working_day(D(2027, 1, 1)) and not is_working_day(D(2027, 1, 2))
    # Spring Festival 2027 by rule: the eve (5 Feb) to the third day, and the days in lieu (9, 10 Feb).
    assert [is_working_day(D(2027, 2, d)) for d in range(4, 12)] == [True, False, False, False, False, False, False,
                                                                      True]
    assert working_days_between(D(2027, 1, 4), D(2027, 1, 8)) == 4


def test_make_up_workdays_are_never_guessed():
    # The package lists 2026-02-14 and 2026-02-28 as swapped workdays; a provisional year has none.
    assert provisional_days_off(2026) >= {D(2026, 1, 1), D(2026, 2, 17), D(2026, 10, 1)}
    assert D(2026, 2, 20) not in provisional_days_off(2026)  # "substituted" from the 14 February make-up day


def test_a_lookup_is_served_from_the_cache(django_assert_num_queries):
    add_working_days(D(2026, 2, 12), 5)
    with django_assert_num_queries(0):
        assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
        assert working_days_between(D(2026, 1, 5), D(2026, 12, 31)) > 200


def test_an_edit_takes_effect_at_once_and_survives_a_reload(django_capture_on_commit_callbacks):
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 16)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(day=D(2026, 3, 16), kind=CalendarDay.Kind.HOLIDAY, name="地方假日")
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 17)
    assert CalendarYear.objects.get(year=2026).revision == 2
    with django_capture_on_commit_callbacks(execute=True):
        calendar_load(years=[2026])
    assert CalendarDay.objects.get(date=D(2026, 3, 16)).kind == CalendarDay.Kind.HOLIDAY
    with django_capture_on_commit_callbacks(execute=True):
        calendar_load(years=[2026], keep_edited=False)
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 16)


def test_a_year_the_package_does_not_know_is_added_by_hand(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        year = calendar_year_create(year=2027, note="国办发明电〔2026〕X号")
    assert year.source == CalendarYear.Source.MANUAL
    assert CalendarDay.objects.filter(year=2027).count() == 365
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)  # weekdays only until corrected
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(day=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    with pytest.raises(ValidationError):
        calendar_year_create(year=2027)
    with pytest.raises(CalendarMissing):
        calendar_load(years=[2027])  # the installed package does not know it


def test_a_day_outside_the_loaded_years_cannot_be_edited():
    with pytest.raises(CalendarMissing):
        calendar_day_set(day=D(2031, 1, 1), kind=CalendarDay.Kind.HOLIDAY)


def test_an_empty_table_is_seeded_after_migrate_and_a_curated_one_left_alone():
    from workflows.calendar import seed_calendar

    assert seed_calendar() == []  # already holds years
    CalendarYear.objects.all().delete()
    years = seed_calendar()
    assert years[0] == 2015 and {2025, 2026} <= set(years)
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_the_management_command_reloads_years(capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    CalendarDay.objects.filter(date=D(2026, 3, 16)).update(kind=CalendarDay.Kind.HOLIDAY)  # drifted, not marked edited
    call_command("calendar_load", "2026")
    assert CalendarDay.objects.get(date=D(2026, 3, 16)).kind == CalendarDay.Kind.WORKDAY
    assert "2026" in capsys.readouterr().out
    with pytest.raises(CommandError, match="2027"):
        call_command("calendar_load", "2027")
