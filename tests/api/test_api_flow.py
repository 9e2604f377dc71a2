"""The ordinary track end to end through the REST API, and the API's error contract."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import Application, Certificate
from tests.documents.factories import pdf_bytes
from tests.factories import make_credit_code

pytestmark = pytest.mark.django_db

SCOPE = [
    {"category": "食品", "item": "食用植物油", "parameter": "酸价", "standard": "GB 5009.229-2016"},
    {"category": "食品", "item": "食用植物油", "parameter": "过氧化值", "standard": "GB 5009.227-2023",
     "limitation": "只做第一法"},
]


def new_application(client) -> dict:
    response = client.post("/api/v1/applications/", {
        "test_sites": "贵阳市观山湖区1号", "field_code": "00", "industry_code": "00", "declaration": True,
        "scope": SCOPE,
    }, format="json")
    assert response.status_code == 201, response.data
    return response.data


def upload_documents(client, application_id, codes=None) -> None:
    """Upload a PDF for each code, by default every mandatory document the catalogue requests."""
    if codes is None:
        catalogue = client.get("/api/v1/document-requirements/", {"application_type": "initial", "track": "ordinary"})
        codes = [r["code"] for r in catalogue.data if r["mandatory"] and not r["via_data_sharing"]]
    for code in codes:
        upload = SimpleUploadedFile(f"{code}.pdf", pdf_bytes(pages=1 + len(code)), content_type="application/pdf")
        response = client.post(f"/api/v1/applications/{application_id}/documents/", {"requirement": code, "file": upload},
                               format="multipart")
        assert response.status_code == 201, response.data


def task_of(client, application_id, scope="queue") -> dict:
    response = client.get("/api/v1/tasks/", {"scope": scope})
    assert response.status_code == 200
    return next(t for t in response.data["results"] if t["application"]["id"] == application_id)


def complete(client, task_id, **body):
    return client.post(f"/api/v1/tasks/{task_id}/complete/", body, format="json")


def test_token_and_me(api, applicant):
    response = api().post("/api/v1/auth/token/", {"username": "applicant", "password": "test-pass-2026"})
    assert response.status_code == 200 and len(response.data["token"]) == 40
    wrong = api().post("/api/v1/auth/token/", {"username": "applicant", "password": "nope"})
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Token")
    me = api(applicant).get("/api/v1/me/")
    assert me.data["username"] == "applicant" and me.data["agency"]["id"] == applicant.agency_id
    assert me.data["roles"] == ["applicant"]
    assert api().get("/api/v1/me/").status_code == 401


def test_agency_registration_validates_the_check_digit(api, db):
    from tests.factories import UserFactory

    user = UserFactory(username="newlab")
    client = api(user)
    good = make_credit_code(42)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    body = {"name": "新实验室", "address": "贵阳", "legal_representative": "甲", "contact_name": "乙",
            "contact_phone": "123"}
    response = client.post("/api/v1/agencies/", {**body, "credit_code": bad})
    assert response.status_code == 400 and "credit_code" in response.data
    assert "校验位" in str(response.data["credit_code"])
    response = client.post("/api/v1/agencies/", {**body, "credit_code": good})
    assert response.status_code == 201
    user.refresh_from_db()
    assert user.agency.credit_code == good


def test_full_lifecycle_through_the_api(api, applicant, acceptor, reviewer, approver, issuer):
    client = api(applicant)
    app = new_application(client)
    assert app["status"] == "draft" and [s["seq"] for s in app["scope"]] == [1, 2]
    patched = client.patch(f"/api/v1/applications/{app['id']}/", {"authorised_signatories": "王工"}, format="json")
    assert patched.status_code == 200 and patched.data["authorised_signatories"] == "王工"
    assert len(patched.data["scope"]) == 2  # scope untouched when not sent
    upload_documents(client, app["id"])
    submitted = client.post(f"/api/v1/applications/{app['id']}/submit/")
    assert submitted.status_code == 200 and submitted.data["status"] == "submitted"
    assert client.patch(f"/api/v1/applications/{app['id']}/", {"test_sites": "x"}, format="json").status_code == 409

    officer = api(acceptor)
    task = task_of(officer, app["id"])
    assert task["node"] == "accept" and task["outcomes"] == ["accept", "supplement", "refuse"]
    response = complete(officer, task["id"], outcome="supplement", deficiencies=[
        {"description": "缺少人员名单", "document_code": "personnel"}, {"description": "缺少典型报告"}])
    assert response.status_code == 200 and response.data["state"] == "done"
    detail = client.get(f"/api/v1/applications/{app['id']}/").data
    assert detail["status"] == "supplement_requested" and len(detail["deficiencies"]) == 2

    answer = task_of(client, app["id"])
    assert answer["node"] == "supplement"
    upload_documents(client, app["id"], ["personnel"])  # the document the notice sent back
    assert complete(client, answer["id"], outcome="resubmit", comment="已补充").status_code == 200
    task = task_of(officer, app["id"])
    assert complete(officer, task["id"], outcome="accept", review_leader=reviewer.pk).status_code == 200

    expert = api(reviewer)
    review = task_of(expert, app["id"], scope="inbox")  # the named leader has it directly
    response = complete(expert, review["id"], outcome="rectify", review_mode="onsite",
                        findings=[{"description": "温湿度未记录", "clause": "4.3.3", "grade": "general"}])
    assert response.status_code == 200
    fix = task_of(client, app["id"])
    refused = complete(client, fix["id"], outcome="resubmit", comment="已整改")
    assert refused.status_code == 400 and "整改报告" in str(refused.data)  # the report is required
    report = client.post(f"/api/v1/applications/{app['id']}/answer-files/", {
        "role": "report", "file": SimpleUploadedFile("整改报告.pdf", pdf_bytes(2), "application/pdf")},
        format="multipart")
    assert report.status_code == 201 and report.data["kind"] == "rectification" and report.data["round"] == 1
    assert complete(client, fix["id"], outcome="resubmit", comment="已整改").status_code == 200
    listed = client.get(f"/api/v1/applications/{app['id']}/answer-files/").data
    assert [(f["role"], f["name"]) for f in listed] == [("report", "整改报告.pdf")]
    review = task_of(expert, app["id"], scope="inbox")  # back to the same leader
    assert complete(expert, review["id"], outcome="pass").status_code == 200

    boss = api(approver)
    decide = task_of(boss, app["id"])
    response = complete(boss, decide["id"], outcome="approve_partially", comment="第2项方法未验证",
                        refused_items={"2": "方法未验证"})
    assert response.status_code == 200
    clerk = api(issuer)
    issue = task_of(clerk, app["id"])
    assert complete(clerk, issue["id"], outcome="issue").status_code == 200

    final = client.get(f"/api/v1/applications/{app['id']}/").data
    assert final["status"] == "certified"
    number = final["certificate_number"]
    certificate = client.get(f"/api/v1/certificates/{number}/").data
    assert certificate["status"] == "valid" and [s["seq"] for s in certificate["scope"]] == [1]
    assert api(applicant).get(f"/api/v1/certificates/{number}/").status_code == 200

    timeline = client.get(f"/api/v1/applications/{app['id']}/timeline/").data
    assert [(s["node"], s["outcome"]) for s in timeline["steps"]] == [
        ("accept", "supplement"), ("supplement", "resubmit"), ("accept", "accept"), ("review", "rectify"),
        ("rectification", "resubmit"), ("review", "pass"), ("decide", "approve_partially"), ("issue", "issue"),
    ]
    assert timeline["status_changes"][-1]["target"] == "certified"


@pytest.mark.parametrize("outcome,body,status", [
    ("refuse", {"comment": "材料虚假"}, "refused"),
    ("accept", {}, "accepted"),
])
def test_acceptance_outcomes(api, draft, applicant, acceptor, outcome, body, status):
    api(applicant).post(f"/api/v1/applications/{draft.pk}/submit/")
    officer = api(acceptor)
    task = task_of(officer, draft.pk)
    assert complete(officer, task["id"], outcome=outcome, **body).status_code == 200
    draft.refresh_from_db()
    assert draft.status == status


def test_review_fail_then_deny(api, draft, applicant, acceptor, reviewer, approver):
    api(applicant).post(f"/api/v1/applications/{draft.pk}/submit/")
    complete(api(acceptor), task_of(api(acceptor), draft.pk)["id"], outcome="accept")
    complete(api(reviewer), task_of(api(reviewer), draft.pk)["id"], outcome="fail", comment="不符合条件")
    boss = api(approver)
    task = task_of(boss, draft.pk)
    refused = complete(boss, task["id"], outcome="approve")
    assert refused.status_code == 409 and refused.data["status"] == "review_failed"
    assert complete(boss, task["id"], outcome="deny").status_code == 400  # a denial needs reasons
    assert complete(boss, task["id"], outcome="deny", comment="评审不通过").status_code == 200
    draft.refresh_from_db()
    assert draft.status == "denied" and not Certificate.objects.exists()


def test_errors_400_403_409(api, draft, applicant, acceptor, reviewer):
    client = api(applicant)
    assert client.post("/api/v1/applications/", {"test_sites": "x", "field_code": "abc"}, format="json").status_code == 400
    client.post(f"/api/v1/applications/{draft.pk}/submit/")
    officer = api(acceptor)
    task = task_of(officer, draft.pk)
    assert complete(officer, task["id"], outcome="nonsense").status_code == 400
    assert complete(officer, task["id"], outcome="supplement").status_code == 400  # no defects listed
    assert api(reviewer).post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 403
    assert api(applicant).post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 403  # visible, not theirs to take
    assert officer.post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 200
    other = type(acceptor).objects.create_user("acceptor2")
    other.groups.add(*acceptor.groups.all())
    assert api(other).post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 409
    assert api(other).post(f"/api/v1/tasks/{task['id']}/release/").status_code == 403
    assert officer.post(f"/api/v1/tasks/{task['id']}/release/").status_code == 200
    assert complete(officer, task["id"], outcome="accept").status_code == 200
    assert complete(officer, task["id"], outcome="accept").status_code == 409
    assert client.post(f"/api/v1/applications/{draft.pk}/submit/").status_code == 409
    assert officer.post("/api/v1/applications/", {"test_sites": "x"}, format="json").status_code == 403
    assert api(reviewer).get("/api/v1/tasks/", {"scope": "everything"}).status_code == 400


def test_submit_refuses_an_incomplete_draft_with_field_messages(api, applicant):
    client = api(applicant)
    response = client.post("/api/v1/applications/", {"test_sites": "贵阳", "scope": []}, format="json")
    app_id = response.data["id"]
    response = client.post(f"/api/v1/applications/{app_id}/submit/")
    assert response.status_code == 400
    assert set(response.data) == {"declaration", "scope", "documents"}  # every problem at once
    assert Application.objects.get(pk=app_id).status == "draft"


def test_withdraw(api, draft, applicant, acceptor):
    client = api(applicant)
    client.post(f"/api/v1/applications/{draft.pk}/submit/")
    assert api(acceptor).post(f"/api/v1/applications/{draft.pk}/withdraw/").status_code == 403
    response = client.post(f"/api/v1/applications/{draft.pk}/withdraw/", {"reason": "暂缓"})
    assert response.status_code == 200 and response.data["status"] == "withdrawn"
    assert api(acceptor).get("/api/v1/tasks/", {"scope": "queue"}).data["results"] == []
    assert client.post(f"/api/v1/applications/{draft.pk}/withdraw/").status_code == 409


def test_schema_and_docs_are_served(api, applicant):
    schema = api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/tasks/{task_id}/complete/", "/api/v1/applications/{id}/", "/api/v1/auth/token/"):
        assert path in paths
    docs = api().get("/api/docs/")
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower() and b"https://" not in docs.content  # assets are served locally
