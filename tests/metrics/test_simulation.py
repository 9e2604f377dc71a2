"""The reform simulator, by hand on the four known histories (see conftest)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from approvals.models import RuleSet
from metrics import selectors
from metrics.selectors import Filters
from metrics.simulation import Proposal, replay

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules_2021():
    return RuleSet.objects.get(code="national-2021")


def test_replaying_under_the_rules_that_applied_reproduces_the_recorded_figures(histories, rules_2021):
    outcome = replay(Proposal(base=rules_2021))
    result = outcome.as_json()
    assert result["self_check"] == {"reproduces_recorded_figures": True, "applications": 4, "mismatched": 0,
                                    "examples": []}
    recorded = selectors.five_reductions(filters=Filters())
    assert result["current"]["reductions"] == {**recorded["reductions"], "time": {
        **recorded["reductions"]["time"], "handling": result["current"]["reductions"]["time"]["handling"]}}
    assert (result["current"]["time_p50"], result["current"]["time_p90"]) == (recorded["time_p50"], recorded["time_p90"])
    assert result["current"]["applications"] == recorded["applications"]
    # nothing proposed: the same figures
    assert result["proposed"]["reductions"] == result["current"]["reductions"]


def test_the_self_check_notices_a_fact_that_does_not_match_its_records(histories, rules_2021):
    from metrics.models import ApplicationFacts

    ApplicationFacts.objects.filter(application=histories["B"]).update(steps=9)
    result = replay(Proposal(base=rules_2021)).as_json()["self_check"]
    assert result["reproduces_recorded_figures"] is False and result["mismatched"] == 1
    assert result["examples"][0]["application"] == histories["B"].pk and "steps" in result["examples"][0]["fields"]


def test_cutting_the_review_limit_from_30_to_20_on_two_known_applications(histories, rules_2021):
    # A (certified) and B (denied) both went through the review: the two that ended in Oct 2025 and Mar 2026
    outcome = replay(Proposal(base=rules_2021, limits={"review": 20}), since=date(2025, 10, 1),
                     until=date(2025, 10, 31)).as_json()
    assert outcome["applications"] == 1  # A alone
    a_now, a_then = outcome["current"]["reductions"]["time"], outcome["proposed"]["reductions"]["time"]
    assert (a_now["baseline"], a_now["actual"]) == (80, 52) and (a_then["baseline"], a_then["actual"]) == (80, 42)
    both = replay(Proposal(base=rules_2021, limits={"review": 20})).as_json()
    now, then = both["current"]["reductions"]["time"], both["proposed"]["reductions"]["time"]
    # statutory limits of the four paths: 52 + 45 + 5 + 35 now; the review is 10 days shorter on A, B and D
    assert now["actual"] == 34.25 and then["actual"] == (42 + 35 + 5 + 25) / 4 == 26.75
    assert then["reduction_pct"] == round((205 - 107) / 205 * 100, 1) == 47.8
    # "as recorded": the actual handling time does not move
    assert then["counted"] == now["counted"] == 15
    # "scales": A's 12 review days become 8, B's 11 become 7 (rounded), D's 5 become 3
    scaled = replay(Proposal(base=rules_2021, limits={"review": 20}, assumption="scales")).as_json()
    assert scaled["proposed"]["reductions"]["time"]["counted"] == (16 + 28 + 2 + 4) / 4


def test_dropping_a_document_type_reduces_the_documents_figure_by_exactly_its_share(histories, rules_2021):
    result = replay(Proposal(base=rules_2021, drop_documents=frozenset({"personnel"}))).as_json()
    now, then = result["current"]["reductions"]["documents"], result["proposed"]["reductions"]["documents"]
    # every one of the four supplied the personnel list anew: one type fewer each, out of 8 before the reform
    assert (now["actual"], then["actual"]) == (6.5, 5.5)
    assert (now["actual"] - then["actual"]) / now["baseline"] * 100 == 12.5  # its share of the 8
    assert (now["reduction_pct"], then["reduction_pct"]) == (18.8, 31.2)  # 18.75% and 31.25%, rounded
    assert then["required"] == now["required"] - 1 and then["files"] < now["files"]


def test_opening_the_commitment_track_drops_the_review_and_its_rectification(histories, rules_2021):
    result = replay(Proposal(base=rules_2021, commitment_types=frozenset({"initial"}))).as_json()
    now, then = result["current"]["reductions"], result["proposed"]["reductions"]
    # A: 11 steps (review twice, one rectification) become 8; B 4 → 3; C unchanged; D's cancelled review gone
    assert now["steps"]["actual"] == 4.75 and then["steps"]["actual"] == (8 + 3 + 2 + 2) / 4
    assert then["steps"]["reduction_pct"] > 0 and then["time"]["reduction_pct"] > now["time"]["reduction_pct"]
    [row] = result["by_type_track"]
    assert (row["application_type"], row["track"]) == ("initial", "ordinary")


def test_a_bad_proposal_names_every_bad_value():
    with pytest.raises(ValidationError) as error:
        Proposal.from_json({"rule_set": "nope", "limits": {"review": 0}, "drop_steps": ["accept"],
                            "fee_yuan": "-1", "assumption": "magic"})
    assert set(error.value.message_dict) == {"rule_set", "limits", "drop_steps", "fee_yuan", "assumption"}
