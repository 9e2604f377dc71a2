"""The day roll-ups and monthly distributions the dashboard reads: always what the facts add up to."""

from datetime import date

import pytest
from django.db.models import Sum

from approvals.models import RuleSet, StatusChange
from metrics import selectors
from metrics.models import ApplicationFacts, DailyFacts, MonthlyFacts
from metrics.rollups import rollups_rebuild
from metrics.selectors import Filters
from metrics.selectors.periods import time_histogram
from metrics.services import facts_record

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[list, list]:
    daily = sorted(tuple(row.values()) for row in DailyFacts.objects.values(*[
        f.attname for f in DailyFacts._meta.fields if f.name != "id"]))
    monthly = sorted((row.pop("ended_month"), row.pop("outcome"), sorted(row.pop("histogram").items()),
                      tuple(row.values())) for row in MonthlyFacts.objects.values(*[
                          f.attname for f in MonthlyFacts._meta.fields if f.name != "id"]))
    return daily, monthly


def test_writing_facts_keeps_the_rollups_what_a_rebuild_makes(histories):
    kept = snapshot()
    assert len(kept[0]) == 4 and DailyFacts.objects.aggregate(n=Sum("n"))["n"] == 4
    assert DailyFacts.objects.get(ended_on=date(2025, 10, 24)).sum_days_counted == 20
    assert MonthlyFacts.objects.get(ended_month=date(2026, 3, 1)).histogram == {"32": 1}
    assert MonthlyFacts.objects.get(ended_month=date(2025, 12, 1)).sum_days_counted == 6
    assert rollups_rebuild() == (4, 4)
    assert snapshot() == kept


def test_a_fact_that_moves_leaves_its_old_group_and_enters_the_new_one(histories):
    a = histories["A"]
    # A's end recorded a week later (say, a corrected audit time): its facts are recomputed
    StatusChange.objects.filter(application=a, target="certified").update(at=a.status_changes.get(
        target="certified").at.replace(day=31))
    facts_record(application_id=a.pk)
    assert not DailyFacts.objects.filter(ended_on=date(2025, 10, 24)).exists()
    moved = DailyFacts.objects.get(ended_on=date(2025, 10, 31))
    assert moved.n == 1 and moved.sum_days_elapsed == ApplicationFacts.objects.get(application=a).days_elapsed
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept


def test_a_period_that_cuts_months_reads_the_edge_days_from_the_facts(histories):
    # A ended 24 Oct 2025 (20 working days), C 5 Nov (2), D 9 Dec (6), B 31 Mar 2026 (32)
    cases = [
        (Filters(start=date(2025, 10, 24), end=date(2026, 3, 31)), 4, (6, 32)),
        (Filters(start=date(2025, 10, 25), end=date(2026, 3, 30)), 2, (2, 6)),
        (Filters(start=date(2025, 11, 1), end=date(2025, 12, 31)), 2, (2, 6)),
        (Filters(start=date(2025, 11, 5), end=date(2025, 11, 5)), 1, (2, 2)),
        (Filters(end=date(2025, 11, 4)), 1, (20, 20)),
        (Filters(start=date(2025, 12, 9)), 2, (6, 32)),
    ]
    for filters, total, percentiles in cases:
        data = selectors.five_reductions(filters=filters)
        assert data["applications"]["total"] == total, filters
        assert (data["time_p50"], data["time_p90"]) == percentiles, filters


def test_the_distribution_of_time_adds_up_every_months_histogram_in_the_database():
    rules = RuleSet.objects.get(code="national-2021")
    group = {"authority": "贵州省市场监督管理局", "track": "ordinary", "outcome": "certified", "rule_set": rules}
    MonthlyFacts.objects.bulk_create([
        MonthlyFacts(ended_month=date(2025, 10, 1), application_type="initial", histogram={"2": 3, "6": 1}, **group),
        MonthlyFacts(ended_month=date(2025, 11, 1), application_type="initial", histogram={"2": 1, "40": 2}, **group),
        MonthlyFacts(ended_month=date(2025, 11, 1), application_type="renewal", histogram={"6": 5, "13": 1}, **group),
        MonthlyFacts(ended_month=date(2026, 1, 1), application_type="initial", histogram={"40": 7}, **group),
    ])
    assert time_histogram(Filters()) == [(2, 4), (6, 6), (13, 1), (40, 9)]
    assert time_histogram(Filters(application_type="initial")) == [(2, 4), (6, 1), (40, 9)]
    # whole months only: October and November 2025
    assert time_histogram(Filters(start=date(2025, 10, 1), end=date(2025, 11, 30))) == [(2, 4), (6, 6), (13, 1), (40, 2)]
    assert time_histogram(Filters(start=date(2027, 1, 1), end=date(2027, 1, 31))) == []
