"""Every figure of four known histories (see conftest), per application and aggregated, by hand."""

from datetime import date

import pytest

from metrics import selectors
from metrics.models import ApplicationFacts
from metrics.selectors import Filters

pytestmark = pytest.mark.django_db

NODE_FIELDS = ["accept_days", "supplement_days", "review_days", "rectification_days", "decide_days", "issue_days"]
LATE_FIELDS = ["accept_late", "supplement_late", "review_late", "rectification_late", "decide_late", "issue_late"]


def facts_of(application) -> ApplicationFacts:
    return ApplicationFacts.objects.get(application=application)


def values(facts: ApplicationFacts, names: list[str]) -> list:
    return [getattr(facts, name) for name in names]


def test_two_supplements_and_a_rectification_over_national_day(histories):
    f = facts_of(histories["A"])
    assert f.outcome == "certified" and f.rule_set.code == "national-2021"
    assert f.submitted_at.date() == date(2025, 9, 1) and f.ended_on == date(2025, 10, 24)
    assert f.ended_month == date(2025, 10, 1)
    assert values(f, NODE_FIELDS) == [4, 8, 12, 7, 3, 1]
    assert values(f, LATE_FIELDS) == [False, False, False, False, False, False]
    assert (f.days_approval, f.days_review, f.days_counted, f.days_stopped, f.days_elapsed) == (8, 12, 20, 15, 35)
    assert (f.days_baseline, f.days_limit, f.days_promise) == (80, 52, None)
    assert f.on_time is True and f.late_steps == 0
    # apply + accept ×3 + supplement ×2 + review ×2 + rectification + decide + issue; the same path
    # under the 2015 rules is the same five structural steps and the same six rework steps
    assert (f.steps, f.steps_baseline, f.rework_loops) == (11, 11, 3)
    assert (f.steps_structural, f.steps_structural_baseline) == (5, 5)
    assert (f.supplement_rounds, f.rectification_rounds) == (2, 1)
    assert (f.procedures, f.procedures_baseline, f.visits, f.visits_baseline) == (1, 1, 0, 2)
    assert (f.fee_yuan, f.fee_baseline_yuan) == (0, 0)
    assert f.authority == "贵州省市场监督管理局"
    # 7 requested uploaded, then the personnel list and the management-system documents again for the
    # two supplement notices: still 7 documents (9 files); the data-shared licence stays a reduction
    assert (f.documents_baseline, f.documents_required, f.documents_shared) == (8, 8, 1)
    assert (f.documents_uploaded, f.documents_reused, f.documents_files) == (7, 0, 9)


def test_late_officials_over_spring_festival(histories):
    f = facts_of(histories["B"])
    assert f.outcome == "denied" and f.ended_on == date(2026, 3, 31)
    assert values(f, NODE_FIELDS) == [7, None, 11, None, 14, None]
    assert values(f, LATE_FIELDS) == [True, None, False, None, True, None]
    assert (f.days_approval, f.days_review, f.days_counted, f.days_stopped, f.days_elapsed) == (21, 11, 32, 0, 32)
    assert (f.days_baseline, f.days_limit) == (5 + 45 + 20, 5 + 30 + 10)
    assert f.on_time is False and f.late_steps == 2
    assert (f.steps, f.steps_baseline, f.rework_loops) == (4, 4, 0)
    assert (f.supplement_rounds, f.rectification_rounds) == (0, 0)
    assert (f.documents_baseline, f.documents_uploaded, f.documents_reused, f.documents_files) == (8, 7, 0, 7)


def test_refused_at_acceptance_is_compared_with_acceptance_alone(histories):
    f = facts_of(histories["C"])
    assert f.outcome == "refused" and f.ended_on == date(2025, 11, 5)
    assert values(f, NODE_FIELDS) == [2, None, None, None, None, None]
    assert (f.days_counted, f.days_elapsed, f.days_baseline, f.days_limit) == (2, 2, 5, 5)
    assert (f.steps, f.steps_baseline) == (2, 2)
    assert f.on_time is True
    # two documents reused from A, five uploaded, the legal-status proof obtained by data sharing
    assert (f.documents_required, f.documents_shared, f.documents_reused, f.documents_uploaded) == (8, 1, 2, 5)
    assert f.documents_files == 5


def test_withdrawn_during_review_counts_the_review_time_but_not_the_step(histories):
    f = facts_of(histories["D"])
    assert f.outcome == "withdrawn" and f.ended_on == date(2025, 12, 9)
    assert values(f, NODE_FIELDS) == [1, None, 5, None, None, None]
    assert (f.days_approval, f.days_review, f.days_counted, f.days_elapsed) == (1, 5, 6, 6)
    assert (f.days_baseline, f.days_limit) == (5 + 45, 5 + 30)
    assert (f.steps, f.steps_baseline) == (2, 2)


def test_elapsed_time_is_counted_plus_stopped_for_every_history(histories):
    for f in ApplicationFacts.objects.all():
        assert f.days_elapsed == f.days_counted + f.days_stopped
        assert f.days_counted == f.days_approval + f.days_review


def test_the_aggregate_over_all_four(histories):
    data = selectors.five_reductions(filters=Filters())
    assert data["applications"] == {"total": 4, "certified": 1, "denied": 1, "refused": 1, "withdrawn": 1}
    assert data["on_time_rate"] == 0.75
    assert (data["time_p50"], data["time_p90"]) == (6, 32)  # nearest rank of 2, 6, 20, 32
    r = data["reductions"]
    # statutory time of each path: 2015 (80 + 70 + 5 + 50) / 4, now (52 + 45 + 5 + 35) / 4
    assert r["time"]["basis"] == "statutory"
    assert r["time"]["baseline"] == 51.25 and r["time"]["actual"] == 34.25
    assert r["time"]["reduction_pct"] == round((205 - 137) / 205 * 100, 1) == 33.2
    # actual handling time (20 + 32 + 2 + 6) / 4; all four were judged by the 2021 rules: no history
    assert r["time"]["handling"] == {"baseline": None, "actual": 15.0, "reduction_pct": None,
                                     "baseline_applications": 0, "no_baseline_history": True, "baseline_period": None}
    assert r["time"]["counted"] == 15.0 and r["time"]["stopped"] == 3.75 and r["time"]["elapsed"] == 18.75
    # steps: the same paths under 2015, 11 + 4 + 2 + 2 both ways: no reduction, and no increase either
    assert r["steps"] == {"baseline": 4.75, "actual": 4.75, "reduction_pct": 0.0, "rework_loops": 0.75,
                          "structural": {"baseline": 3.25, "actual": 3.25, "reduction_pct": 0.0}}
    assert r["procedures"]["baseline"] == 1 and r["procedures"]["actual"] == 1 and r["procedures"]["reduction_pct"] == 0
    assert r["procedures"]["visits"] == {"baseline": 2, "actual": 0, "reduction_pct": 100.0}
    assert r["fees"] == {"baseline": 0, "actual": 0, "reduction_pct": None}
    # documents by type: 8 asked for before the reform; 7 + 7 + 5 + 7 supplied anew (9 + 7 + 5 + 7 files)
    assert r["documents"] == {"baseline": 8, "actual": 6.5, "reduction_pct": 18.8, "required": 8, "shared": 1,
                              "reused": 0.5, "files": 7, "supplement_rounds": 0.5}
    assert data["rework"] == {"supplement_rounds": 0.5, "rectification_rounds": 0.25}


def test_the_aggregate_over_a_period_and_a_dimension(histories):
    data = selectors.five_reductions(filters=Filters(start=date(2025, 11, 1), end=date(2025, 12, 31)))
    assert data["applications"]["total"] == 2 and data["applications"]["refused"] == 1
    assert data["reductions"]["time"]["baseline"] == 27.5 and data["reductions"]["time"]["actual"] == 20.0
    assert data["reductions"]["time"]["counted"] == 4.0
    assert (data["time_p50"], data["time_p90"]) == (2, 6)
    assert selectors.five_reductions(filters=Filters(outcome="denied"))["applications"]["total"] == 1
    assert selectors.five_reductions(filters=Filters(application_type="renewal"))["applications"]["total"] == 0
    empty = selectors.five_reductions(filters=Filters(track="commitment"))
    assert empty["on_time_rate"] is None and empty["time_p50"] is None
    assert empty["reductions"]["time"] == {
        "baseline": None, "actual": None, "reduction_pct": None, "basis": "statutory", "counted": None,
        "approval": None, "review": None, "stopped": None, "elapsed": None,
        "handling": {"baseline": None, "actual": None, "reduction_pct": None, "baseline_applications": 0,
                     "no_baseline_history": True, "baseline_period": None}}


def test_months_steps_and_breakdown(histories):
    data = selectors.dashboard(filters=Filters())
    months = {m["month"]: m for m in data["months"]}
    assert list(months) == ["2025-10", "2025-11", "2025-12", "2026-03"]
    assert months["2025-10"]["applications"] == 1 and months["2025-10"]["reductions"]["time"]["counted"] == 20
    assert months["2026-03"]["on_time_rate"] == 0
    steps = {s["node"]: s for s in data["steps"]}
    assert steps["accept"]["applications"] == 4 and steps["accept"]["mean_days"] == (4 + 7 + 2 + 1) / 4
    assert steps["accept"]["late"] == 1 and steps["accept"]["late_rate"] == 0.25
    assert steps["accept"]["limit"] == 5 and steps["accept"]["baseline_limit"] == 5
    assert steps["review"]["mean_days"] == round((12 + 11 + 5) / 3, 2) and steps["review"]["limit"] == 30
    assert steps["decide"]["late"] == 1 and steps["decide"]["baseline_limit"] == 20
    assert steps["supplement"]["applicant"] is True and steps["supplement"]["mean_days"] == 8
    [row] = data["breakdown"]
    assert (row["authority"], row["application_type"], row["track"], row["applications"]) == (
        "贵州省市场监督管理局", "initial", "ordinary", 4)
