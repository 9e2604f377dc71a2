"""The arithmetic of one application's facts, apart from the database's records (rule sets are the seeded ones)."""

from datetime import datetime

import pytest

from approvals.models import RuleSet
from metrics.facts import DocumentCounts, History, Span, baseline_path, compose, expected_steps
from metrics.selectors import reduction
from tests.timecontrol import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    return RuleSet.objects.get(code="national-2021")


@pytest.fixture
def baseline():
    return RuleSet.objects.get(code="national-2015")


def history(spans, outcome="certified", track="ordinary", **extra):
    return History(
        application_type="initial", track=track, outcome=outcome, authority="贵州省市场监督管理局",
        submitted_at=datetime(2025, 9, 1, 10, tzinfo=SHANGHAI), ended_at=datetime(2025, 10, 24, 10, tzinfo=SHANGHAI),
        elapsed_days=sum(s.days for s in spans), spans=tuple(spans), **extra,
    )


def test_rework_loops_are_steps_and_resumed_clocks_add_up(rules, baseline):
    spans = [Span("accept", 2), Span("supplement", 5), Span("accept", 1), Span("supplement", 3), Span("accept", 1),
             Span("review", 7), Span("rectification", 7), Span("review", 5), Span("decide", 3), Span("issue", 1)]
    facts = compose(history(spans, supplement_rounds=2, rectification_rounds=1), rules=rules, baseline=baseline)
    # The same path under the 2015 rules: its five structural steps plus the same six rework steps.
    assert facts["steps"] == 11 and facts["steps_baseline"] == 11 and facts["rework_loops"] == 3
    assert facts["steps_structural"] == 5 and facts["steps_structural_baseline"] == 5
    assert (facts["accept_days"], facts["supplement_days"], facts["review_days"]) == (4, 8, 12)
    assert (facts["rectification_days"], facts["decide_days"], facts["issue_days"]) == (7, 3, 1)
    assert facts["days_approval"] == 8 and facts["days_review"] == 12 and facts["days_stopped"] == 15
    assert facts["days_counted"] == 20 and facts["days_elapsed"] == 35
    assert facts["days_baseline"] == 5 + 45 + 20 + 10 and facts["days_limit"] == 5 + 30 + 10 + 7
    assert facts["on_time"] is True and facts["late_steps"] == 0
    assert facts["visits"] == 0 and facts["visits_baseline"] == 2
    assert facts["ended_month"].isoformat() == "2025-10-01"


def test_a_resumed_acceptance_is_late_on_its_total_not_on_one_stretch(rules, baseline):
    spans = [Span("accept", 3), Span("supplement", 2), Span("accept", 3), Span("review", 10)]
    facts = compose(history(spans, outcome="withdrawn"), rules=rules, baseline=baseline)
    assert facts["accept_days"] == 6 and facts["accept_late"] is True
    assert facts["review_late"] is False and facts["decide_late"] is None
    assert facts["on_time"] is False and facts["late_steps"] == 1


def test_an_applicant_round_is_late_on_its_own_and_does_not_make_the_authority_late(rules, baseline):
    spans = [Span("accept", 1), Span("supplement", 20), Span("accept", 1), Span("supplement", 31), Span("accept", 1)]
    facts = compose(history(spans, outcome="refused"), rules=rules, baseline=baseline)
    assert facts["supplement_days"] == 51 and facts["supplement_late"] is True
    assert facts["on_time"] is True and facts["late_steps"] == 0


def test_baselines_follow_the_path_taken(rules, baseline):
    """Refused at acceptance: compared with acceptance alone under the baseline, not a whole procedure."""
    facts = compose(history([Span("accept", 2)], outcome="refused"), rules=rules, baseline=baseline)
    assert facts["steps"] == 2 and facts["steps_baseline"] == 2
    assert facts["days_baseline"] == 5 and facts["days_limit"] == 5
    # Withdrawn during the review: the review's time counts, the review step was not completed.
    facts = compose(history([Span("accept", 1), Span("review", 5, done=False)], outcome="withdrawn"),
                    rules=rules, baseline=baseline)
    assert facts["steps"] == 2 and facts["steps_baseline"] == 2
    assert facts["days_counted"] == 6 and facts["days_baseline"] == 50 and facts["days_limit"] == 35


def test_a_promise_is_compared_over_the_same_steps(rules, baseline):
    promise = RuleSet.objects.create(
        code="guiyang-promise", name="贵阳承诺", effective_from="2021-06-01", is_promise=True, acceptance_days=2,
        review_days=20, rectification_days=30, decision_days=3, issue_days=2,
    )
    spans = [Span("accept", 1), Span("review", 9), Span("decide", 2), Span("issue", 1)]
    facts = compose(history(spans), rules=rules, baseline=baseline, promise=promise)
    assert facts["days_promise"] == 2 + 20 + 3 + 2
    assert compose(history(spans), rules=rules, baseline=baseline)["days_promise"] is None


def test_fees_and_documents_come_from_the_rule_sets_and_the_catalogue(rules, baseline):
    baseline.fee_yuan = 3000
    rules.fee_yuan = 0
    counts = DocumentCounts(required=8, shared=1, reused=2, uploaded=5, files=6, baseline=8)
    facts = compose(history([Span("accept", 1)], outcome="refused", documents=counts), rules=rules, baseline=baseline)
    assert facts["fee_baseline_yuan"] == 3000 and facts["fee_yuan"] == 0
    assert (facts["documents_baseline"], facts["documents_required"], facts["documents_shared"]) == (8, 8, 1)
    assert (facts["documents_reused"], facts["documents_uploaded"], facts["documents_files"]) == (2, 5, 6)


def test_a_clean_ordinary_path_has_as_many_steps_as_before_the_reform(rules, baseline):
    """Both rule sets expect apply, accept, review, decide, issue: 0%, never negative."""
    spans = [Span("accept", 1), Span("review", 9), Span("decide", 2), Span("issue", 1)]
    facts = compose(history(spans), rules=rules, baseline=baseline)
    assert (facts["steps"], facts["steps_baseline"]) == (5, 5)
    assert reduction(facts["steps_baseline"], facts["steps"])["reduction_pct"] == 0.0
    # statutory time: 5 + 45 + 20 + 10 = 80 then, 5 + 30 + 10 + 7 = 52 now: 35% less
    assert reduction(facts["days_baseline"], facts["days_limit"]) == {"baseline": 80, "actual": 52,
                                                                     "reduction_pct": 35.0}


def test_rework_is_the_same_under_any_rule_set(rules, baseline):
    """One supplement round: seven steps now, seven on the same path in 2015 (not 7 against 5)."""
    spans = [Span("accept", 1), Span("supplement", 4), Span("accept", 1), Span("review", 9), Span("decide", 2),
             Span("issue", 1)]
    facts = compose(history(spans, supplement_rounds=1), rules=rules, baseline=baseline)
    assert (facts["steps"], facts["steps_baseline"], facts["rework_loops"]) == (7, 7, 1)


def test_the_commitment_track_saves_the_technical_review_step_and_its_time(rules, baseline):
    """No technical review on the commitment track; under the 2015 rules (no such track) the same
    application went through the ordinary procedure, review included."""
    spans = [Span("accept", 1), Span("decide", 2), Span("issue", 1)]
    facts = compose(history(spans, track="commitment"), rules=rules, baseline=baseline)
    assert (facts["steps"], facts["steps_baseline"]) == (4, 5)
    assert reduction(facts["steps_baseline"], facts["steps"])["reduction_pct"] == 20.0
    assert (facts["steps_structural"], facts["steps_structural_baseline"]) == (4, 5)
    # statutory: 5 + 45 + 20 + 10 = 80 on the 2015 path; 5 + 10 + 7 = 22 now
    assert (facts["days_baseline"], facts["days_limit"]) == (80, 22)
    assert reduction(facts["days_baseline"], facts["days_limit"])["reduction_pct"] == 72.5


def test_a_rule_set_may_name_its_steps_per_track(rules, baseline):
    baseline.expected_steps = {"ordinary": ["apply", "accept", "review", "decide", "issue"]}
    assert expected_steps(baseline, "commitment") == ["apply", "accept", "review", "decide", "issue"]
    rules.expected_steps = {"ordinary": ["apply", "accept", "review", "decide", "issue"],
                            "commitment": ["apply", "accept", "decide", "issue"]}
    assert expected_steps(rules, "commitment") == ["apply", "accept", "decide", "issue"]
    # A step the baseline never had (a merged one, say) is not on its path.
    assert baseline_path(baseline, "ordinary", {"apply", "accept_and_review"}) == ["apply"]


def test_visits_procedures_and_fees_come_from_the_rule_sets(rules, baseline):
    rules.in_person_visits, baseline.in_person_visits = 1, 3
    rules.procedures, baseline.procedures = 1, 2
    facts = compose(history([Span("accept", 1)], outcome="refused"), rules=rules, baseline=baseline)
    assert (facts["visits"], facts["visits_baseline"], facts["procedures"], facts["procedures_baseline"]) == (1, 3, 1, 2)


def test_a_procedures_own_steps_are_measured_as_their_kind_and_supervision_not_at_all():
    from metrics.facts import measured_node

    assert measured_node("review") == "review" and measured_node("supplement") == "supplement"
    assert measured_node("decide_cancellation") == "decide"  # a decision, by its statutory limit
    assert measured_node("verification") is None  # the commitment track's post-verification: after the licence
    assert measured_node("no-such-step") is None
