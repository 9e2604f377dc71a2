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


def test_the_command_prints_now_and_proposed_and_the_self_check(histories):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("simulate_reform", "--rule-set", "national-2021", "--limit", "review=20", "--since", "2025-01-01",
                 "--until", "2026-12-31", stdout=out)
    text = out.getvalue()
    assert "技术评审时限改为 20 个工作日（现为 30）" in text and "applications: 4" in text
    assert "reproduces the recorded figures: yes" in text
    out = StringIO()
    call_command("simulate_reform", "--rule-set", "national-2021", "--drop-document", "personnel", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["proposed"]["reductions"]["documents"]["actual"] == 5.5 and body["self_check"]["mismatched"] == 0


def test_the_command_refuses_bad_input(histories):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="rule_set"):
        call_command("simulate_reform", "--rule-set", "nope")
    with pytest.raises(CommandError):
        call_command("simulate_reform", "--rule-set", "national-2021", "--limit", "review=abc")


SIMULATIONS = "/api/v1/metrics/simulations/"


def test_the_api_answers_a_small_period_at_once_in_the_five_reductions_shape(api, monitor, histories):
    response = api(monitor).post(SIMULATIONS, {"rule_set": "national-2021", "limits": {"review": 20}}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "done" and body["self_check"]["reproduces_recorded_figures"] is True
    five = api(monitor).get("/api/v1/metrics/five-reductions/").json()
    assert set(body["current"]) == set(five) - {"filters"} and set(body["proposed"]) == set(body["current"])
    assert body["proposed"]["reductions"]["time"]["actual"] == 26.75
    assert api(monitor).get(f"{SIMULATIONS}{body['id']}/").json()["proposed"] == body["proposed"]


def test_the_api_refuses_others_and_bad_input(api, monitor, acceptor, histories):
    assert api(acceptor).post(SIMULATIONS, {"rule_set": "national-2021"}, format="json").status_code == 403
    response = api(monitor).post(SIMULATIONS, {"rule_set": "national-2021", "since": "2026-02-30",
                                               "limits": {"review": -3}}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"since"}
    response = api(monitor).post(SIMULATIONS, {"rule_set": "nope", "assumption": "magic"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"rule_set", "assumption"}


def test_a_large_period_runs_in_the_background_with_progress(api, monitor, histories, settings,
                                                            django_capture_on_commit_callbacks):
    from metrics.models import ReformSimulation

    settings.CMA_SIMULATION_INLINE = 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(monitor).post(SIMULATIONS, {"rule_set": "national-2021", "commitment_types": ["initial"]},
                                     format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "pending" and body["rows_total"] == 4 and body["progress_pct"] == 0
    assert "current" not in body
    for callback in callbacks:  # the worker's turn (tests/metrics/test_worker.py runs a real one)
        callback()
    body = api(monitor).get(f"{SIMULATIONS}{body['id']}/").json()
    assert body["state"] == "done" and body["progress_pct"] == 100 and body["self_check"]["mismatched"] == 0
    simulation = ReformSimulation.objects.get(pk=body["id"])
    assert simulation.state == "done" and simulation.rows_done == 4
    assert simulation.result["proposed"]["reductions"]["steps"]["actual"] == 3.75


def test_the_page_runs_a_simulation_and_its_brief_is_a_real_pdf(client, monitor, histories):
    from tests.documents.test_pdfs import text_of

    client.force_login(monitor)
    assert client.get("/metrics/simulations/").status_code == 200
    response = client.post("/metrics/simulations/", {"rule_set": "national-2021", "limit_review": "20",
                                                     "assumption": "as_recorded", "drop_documents": "personnel"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-simulation-state="done"' in page and 'data-self-check="ok"' in page
    assert "技术评审时限改为 20 个工作日（现为 30）" in page and "不再要求提交材料 personnel" in page
    assert '<tr data-reduction="documents">' in page
    brief = client.get(response["Location"] + "brief.pdf")
    assert brief.status_code == 200 and brief["Content-Type"] == "application/pdf"
    text = text_of(brief.content)
    # statutory time of the four paths: 34.25 now, 26.75 with the review at 20 days (shown to one decimal)
    assert "五减改革模拟简报" in text and "自检通过" in text and "34.2→26.8" in text


def test_the_page_shows_bad_input_and_refuses_others(client, monitor, acceptor, histories):
    client.force_login(monitor)
    response = client.post("/metrics/simulations/", {"rule_set": "national-2021", "limit_review": "0",
                                                     "since": "2026-01-01", "until": "2025-01-01",
                                                     "assumption": "as_recorded"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "结束日期不能早于开始日期" in page
    client.force_login(acceptor)
    assert client.get("/metrics/simulations/").status_code == 403
    client.force_login(monitor)
    from metrics.models import ReformSimulation

    other = ReformSimulation.objects.create(requested_by=acceptor, proposal={})
    assert client.get(f"/metrics/simulations/{other.pk}/").status_code == 404
