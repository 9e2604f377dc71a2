"""applicant2 can neither see nor act on applicant's application through any API endpoint."""

import pytest

from approvals.models import Application
from tests.workflows.helpers import complete as complete_in_code
from tests.workflows.helpers import open_step
from workflows import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_supplement(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    complete_in_code(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺材料"}])
    return draft


def test_other_agency_gets_404_everywhere(api, in_supplement, applicant2):
    app = in_supplement
    task_id = open_step(app, "supplement").task_id
    client = api(applicant2)
    assert client.get("/api/v1/applications/").data["results"] == []
    for method, url, body in [
        ("get", f"/api/v1/applications/{app.pk}/", None),
        ("patch", f"/api/v1/applications/{app.pk}/", {"test_sites": "hijack"}),
        ("post", f"/api/v1/applications/{app.pk}/submit/", None),
        ("post", f"/api/v1/applications/{app.pk}/withdraw/", None),
        ("get", f"/api/v1/applications/{app.pk}/timeline/", None),
        ("get", f"/api/v1/tasks/{task_id}/", None),
        ("post", f"/api/v1/tasks/{task_id}/claim/", None),
        ("post", f"/api/v1/tasks/{task_id}/release/", None),
        ("post", f"/api/v1/tasks/{task_id}/complete/", {"outcome": "resubmit", "comment": "x"}),
    ]:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert client.get("/api/v1/tasks/", {"scope": "queue"}).data["results"] == []
    app.refresh_from_db()
    assert app.status == "supplement_requested" and app.test_sites != "hijack"
    assert open_step(app, "supplement").state == "open"


def test_other_agency_cannot_see_the_certificate(api, applicant, applicant2, acceptor, reviewer, approver, issuer, draft):
    from tests.workflows.helpers import to_decision

    to_decision(draft, applicant, acceptor, reviewer)
    complete_in_code(draft, "decide", approver, "approve")
    complete_in_code(draft, "issue", issuer, "issue")
    number = Application.objects.get(pk=draft.pk).certificate.number
    assert api(applicant2).get(f"/api/v1/certificates/{number}/").status_code == 404
    assert api(applicant).get(f"/api/v1/certificates/{number}/").data["number"] == number


def test_officials_see_all_but_act_only_in_role(api, in_supplement, acceptor, monitor):
    assert api(monitor).get(f"/api/v1/applications/{in_supplement.pk}/").status_code == 200
    task_id = open_step(in_supplement, "supplement").task_id
    response = api(acceptor).post(f"/api/v1/tasks/{task_id}/complete/", {"outcome": "resubmit", "comment": "x"},
                                  format="json")
    assert response.status_code == 403
    in_supplement.refresh_from_db()
    assert in_supplement.status == "supplement_requested"


def test_officials_do_not_see_unsubmitted_drafts(api, draft, acceptor, monitor):
    for official in (acceptor, monitor):
        assert api(official).get(f"/api/v1/applications/{draft.pk}/").status_code == 404
        assert api(official).get("/api/v1/applications/").data["results"] == []


def test_text_fields_take_text_only_as_the_schema_says(api, in_supplement, applicant):
    """A number where the schema says string is refused, not turned into text (found by the fuzzer)."""
    withdrawn = api(applicant).post(f"/api/v1/applications/{in_supplement.pk}/withdraw/", {"reason": 0.0}, format="json")
    assert withdrawn.status_code == 400 and "reason" in withdrawn.json()
    in_supplement.refresh_from_db()
    assert in_supplement.status == "supplement_requested"  # nothing happened
    token = api().post("/api/v1/auth/token/", {"username": 7, "password": 8}, format="json")
    assert token.status_code == 400 and {"username", "password"} <= set(token.json())
    task_id = open_step(in_supplement, "supplement").task_id
    answer = api(applicant).post(f"/api/v1/tasks/{task_id}/complete/", {"outcome": "resubmit", "comment": 12},
                                 format="json")
    assert answer.status_code == 400 and "comment" in answer.json(), answer.json()


def test_yes_no_fields_take_true_or_false_only_as_the_schema_says(api, applicant):
    """0, 1 or "yes" where the schema says boolean is refused, not read as a declaration (found by the fuzzer)."""
    body = {"application_type": "initial", "track": "ordinary", "test_sites": "贵阳市观山湖区1号",
            "field_code": "00", "industry_code": "00"}
    client = api(applicant)
    before = Application.objects.count()
    for value in (0, 1, "true", "yes", "on"):
        response = client.post("/api/v1/applications/", {**body, "declaration": value}, format="json")
        assert response.status_code == 400 and "declaration" in response.json(), (value, response.json())
    assert Application.objects.count() == before  # nothing was made
    made = client.post("/api/v1/applications/", {**body, "declaration": True}, format="json")
    assert made.status_code == 201 and made.json()["declaration"] is True
