"""Every application type and both tracks end to end through the REST API: renewal, change, scope
extension, cancellation and the commitment track, each with its legal result on the certificate."""

from datetime import date

import pytest

from approvals.models import Agency, Application, Certificate, RuleSet
from tests.timecontrol import at
from workflows import procedures

from .test_api_flow import SCOPE, complete, task_of, upload_documents

pytestmark = pytest.mark.django_db

CERTIFIED_ON = date(2020, 12, 1)  # a certificate issued then expires on 2026-11-30
IN_WINDOW = date(2026, 6, 1)  # the 2021 rules' renewal window: 2025-11-30 … 2026-08-30
ROLES = ("acceptor", "reviewer", "approver", "issuer")


@pytest.fixture
def officials(acceptor, reviewer, approver, issuer):
    return dict(zip(ROLES, (acceptor, reviewer, approver, issuer), strict=True))


def upload_for(client, application_id, application_type, track="ordinary"):
    catalogue = client.get("/api/v1/document-requirements/", {"application_type": application_type, "track": track})
    assert catalogue.status_code == 200 and catalogue.data, (application_type, track)
    upload_documents(client, application_id, [r["code"] for r in catalogue.data
                                              if r["mandatory"] and not r["via_data_sharing"]])


def draft(client, **body) -> dict:
    body = {"test_sites": "贵阳市观山湖区1号", "field_code": "00", "industry_code": "00", "declaration": True,
            **body}
    response = client.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 201, response.data
    return response.data


def work(api, officials, application_id, *steps):
    """Complete the application's next official tasks: (role, outcome, body) each."""
    for role, outcome, body in steps:
        client = api(officials[role])
        task = task_of(client, application_id)
        response = complete(client, task["id"], outcome=outcome, **body)
        assert response.status_code == 200, (role, outcome, response.data)


def first_certificate(api, applicant, officials, on=CERTIFIED_ON) -> Certificate:
    client = api(applicant)
    with at(on):
        created = draft(client, scope=SCOPE)
        upload_for(client, created["id"], "initial")
        assert client.post(f"/api/v1/applications/{created['id']}/submit/").status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}), ("reviewer", "pass", {}),
             ("approver", "approve", {}), ("issuer", "issue", {}))
    return Certificate.objects.get(application_id=created["id"])


def submit(client, application_id):
    return client.post(f"/api/v1/applications/{application_id}/submit/")


def public(api, number) -> dict:
    response = api().get(f"/api/v1/public/certificates/{number}/")
    assert response.status_code == 200
    return response.data


# --- offered pairs ---------------------------------------------------------------------------------
def test_every_offered_type_and_track_has_a_procedure_and_a_catalogue_and_an_unknown_one_is_not_offered(db):
    rule_set = RuleSet.objects.get(code="national-2021")
    offered = procedures.offered(rule_set=rule_set)
    assert ("initial", "ordinary") in offered and ("renewal", "commitment") in offered
    assert ("cancellation", "commitment") not in offered  # no procedure: not offered
    for pair in offered:
        assert procedures.procedure_for(*pair) is not None
    baseline = RuleSet.objects.get(code="national-2015")
    assert not [pair for pair in procedures.offered(rule_set=baseline) if pair[1] == "commitment"]
    # nor filed: the API refuses a draft of a pair that is not offered, naming it
    from tests.factories import ApplicantFactory

    client = __import__("rest_framework.test", fromlist=["APIClient"]).APIClient()
    client.force_authenticate(ApplicantFactory(username="someone"))
    refused = client.post("/api/v1/applications/", {"application_type": "cancellation", "track": "commitment",
                                                    "declaration": True}, format="json")
    assert refused.status_code == 400 and "尚未开放" in str(refused.data["application_type"])
    # a new type with a procedure but no catalogue is not offered either
    procedures.PROCEDURES[("renewal", "express")] = procedures.ORDINARY
    try:
        assert ("renewal", "express") not in procedures.offered(rule_set=rule_set)
    finally:
        del procedures.PROCEDURES[("renewal", "express")]


# --- renewal ---------------------------------------------------------------------------------------
def test_a_renewal_outside_its_window_is_refused_naming_the_window(api, applicant, officials):
    certificate = first_certificate(api, applicant, officials)
    client = api(applicant)
    with at(date(2026, 10, 1)):
        created = draft(client, application_type="renewal", certificate=certificate.number, scope=SCOPE)
        upload_for(client, created["id"], "renewal")
        response = submit(client, created["id"])
    assert response.status_code == 400
    message = str(response.data["certificate"])
    assert "2025年11月30日至2026年8月30日" in message and "2026年11月30日" in message
    assert Application.objects.get(pk=created["id"]).status == "draft"


def test_a_renewal_is_a_new_version_with_a_new_validity_and_the_old_version_still_verifies(api, applicant, officials):
    certificate = first_certificate(api, applicant, officials)
    old_number = certificate.number
    client = api(applicant)
    with at(IN_WINDOW):
        created = draft(client, application_type="renewal", certificate=old_number, scope=SCOPE[:1])
        assert created["subject_certificate"] == old_number
        upload_for(client, created["id"], "renewal")
        assert submit(client, created["id"]).status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}), ("reviewer", "pass", {"review_mode": "written"}),
             ("approver", "approve", {}), ("issuer", "issue", {}))
    certificate.refresh_from_db()
    assert certificate.versions.count() == 2
    assert certificate.current.application_id == created["id"]
    assert certificate.number == old_number  # the 2021 rules keep the number (rule-set data)
    assert certificate.current.expires_on == date(2032, 11, 30)  # six years from the old expiry
    assert [row["parameter"] for row in certificate.current.scope] == ["酸价"]
    assert not Certificate.objects.filter(application_id=created["id"]).exists()  # no new certificate


# --- change ----------------------------------------------------------------------------------------
def test_a_change_without_a_new_site_is_decided_without_review_and_keeps_number_and_expiry(api, applicant, officials):
    certificate = first_certificate(api, applicant, officials)
    expires = certificate.expires_on
    client = api(applicant)
    with at(IN_WINDOW):
        bad = client.post("/api/v1/applications/", {"application_type": "change", "certificate": certificate.number,
                                                     "declaration": True, "changes": [{"kind": "colour", "value": "x"}]},
                          format="json")
        assert bad.status_code == 400 and "changes[1]" in bad.data
        created = draft(client, application_type="change", certificate=certificate.number, test_sites="",
                        changes=[{"kind": "name", "value": "贵州新名称检测有限公司"},
                                 {"kind": "cancelled_items", "value": [2]}])
        upload_for(client, created["id"], "change")
        assert submit(client, created["id"]).status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}))
        application = Application.objects.get(pk=created["id"])
        assert application.status == "awaiting_decision"
        work(api, officials, created["id"], ("approver", "approve", {}), ("issuer", "issue", {}))
    certificate.refresh_from_db()
    assert certificate.current.agency_name == "贵州新名称检测有限公司"
    assert [row["seq"] for row in certificate.current.scope] == [1]
    assert certificate.expires_on == expires and certificate.versions.count() == 2
    assert not application.steps.filter(node="review").exists()


def test_a_change_of_site_goes_through_technical_review(api, applicant, officials):
    certificate = first_certificate(api, applicant, officials)
    client = api(applicant)
    with at(IN_WINDOW):
        created = draft(client, application_type="change", certificate=certificate.number,
                        changes=[{"kind": "site", "value": "贵阳市花溪区新场所8号"}])
        upload_for(client, created["id"], "change")
        assert submit(client, created["id"]).status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}))
        assert Application.objects.get(pk=created["id"]).status == "accepted"
        work(api, officials, created["id"], ("reviewer", "pass", {}), ("approver", "approve", {}), ("issuer", "issue", {}))
    certificate.refresh_from_db()
    assert certificate.current.test_sites == "贵阳市花溪区新场所8号"


# --- extension -------------------------------------------------------------------------------------
def test_an_extension_merges_the_approved_new_items_into_the_same_certificate(api, applicant, officials):
    certificate = first_certificate(api, applicant, officials)
    new_items = [
        {"category": "食品", "item": "饮料", "parameter": "甜蜜素", "standard": "GB 5009.97-2016"},
        {"category": "食品", "item": "饮料", "parameter": "糖精钠", "standard": "GB 5009.28-2016"},
    ]
    client = api(applicant)
    with at(IN_WINDOW):
        created = draft(client, application_type="extension", certificate=certificate.number, scope=new_items)
        upload_for(client, created["id"], "extension")
        assert submit(client, created["id"]).status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}), ("reviewer", "pass", {}),
             ("approver", "approve_partially", {"comment": "第2项方法未验证", "refused_items": {"2": "无方法验证记录"}}),
             ("issuer", "issue", {}))
    certificate.refresh_from_db()
    assert [row["parameter"] for row in certificate.current.scope] == ["酸价", "过氧化值", "甜蜜素"]
    assert [row["seq"] for row in certificate.current.scope] == [1, 2, 3]
    assert certificate.number == certificate.versions.get(version=1).number
    assert certificate.expires_on == date(2026, 11, 30)


# --- cancellation ----------------------------------------------------------------------------------
def test_a_cancellation_issues_nothing_and_the_certificate_reads_cancelled_in_public(api, applicant, officials):
    certificate = first_certificate(api, applicant, officials)
    client = api(applicant)
    with at(IN_WINDOW):
        created = draft(client, application_type="cancellation", certificate=certificate.number, test_sites="",
                        cancellation_reason="dissolution")
        upload_for(client, created["id"], "cancellation")
        assert submit(client, created["id"]).status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}), ("approver", "approve", {}))
        application = Application.objects.get(pk=created["id"])
        assert application.status == "certificate_cancelled"
        assert not application.steps.filter(node__in=["review", "issue"]).exists()
        verdict = public(api, certificate.number)
    certificate.refresh_from_db()
    assert certificate.status == "cancelled" and certificate.versions.count() == 1
    assert Certificate.objects.count() == 1
    assert verdict["status"] == "cancelled"


# --- the commitment track --------------------------------------------------------------------------
def commitment_certificate(api, applicant, officials, on=IN_WINDOW) -> tuple[Application, Certificate]:
    client = api(applicant)
    with at(on):
        created = draft(client, track="commitment", scope=SCOPE)
        upload_for(client, created["id"], "initial", "commitment")
        unsigned = submit(client, created["id"])
        assert unsigned.status_code == 400 and "承诺书" in str(unsigned.data["track"])
        signed = client.post(f"/api/v1/applications/{created['id']}/commitment/")
        assert signed.status_code == 200 and signed.data["commitment_signed_by"] == "applicant"
        assert "郑重承诺" in signed.data["commitment_text"]
        assert submit(client, created["id"]).status_code == 200
        work(api, officials, created["id"], ("acceptor", "accept", {}), ("approver", "approve", {}),
             ("issuer", "issue", {}))
    application = Application.objects.get(pk=created["id"])
    return application, Certificate.objects.get(application=application)


def test_the_commitment_track_issues_without_review_then_verifies_within_three_months(api, applicant, officials):
    application, certificate = commitment_certificate(api, applicant, officials)
    assert not application.steps.filter(node="review").exists()
    assert application.status == "certified" and certificate.status == "valid"
    verification = application.steps.get(node="verification")
    assert verification.due_date == date(2026, 9, 1) and verification.permission == "approvals.review_application"
    with at(date(2026, 7, 1)):
        work(api, officials, application.pk, ("reviewer", "confirm", {"comment": "现场核查与承诺一致"}))
    application.refresh_from_db()
    assert application.status == "verified"


def test_a_false_commitment_revokes_publishes_and_bars_the_agency_for_three_years(api, applicant, officials):
    application, certificate = commitment_certificate(api, applicant, officials)
    with at(date(2026, 7, 1)):
        refused = complete(api(officials["reviewer"]), task_of(api(officials["reviewer"]), application.pk)["id"],
                           outcome="false_commitment")
        assert refused.status_code == 400 and "comment" in refused.data
        work(api, officials, application.pk, ("reviewer", "false_commitment", {"comment": "现场无所承诺的设备"}))
        verdict = public(api, certificate.number)
    assert verdict["status"] == "revoked" and "现场无所承诺的设备" in str(verdict)
    assert Agency.objects.get(pk=applicant.agency_id).commitment_barred_until == date(2029, 7, 1)
    client = api(applicant)
    with at(date(2027, 1, 4)):
        again = draft(client, track="commitment", scope=SCOPE)
        client.post(f"/api/v1/applications/{again['id']}/commitment/")
        response = submit(client, again["id"])
    assert response.status_code == 400 and "2029年7月1日" in str(response.data["track"])


def test_a_withdrawn_commitment_application_must_reapply_on_the_ordinary_track(api, applicant, officials):
    client = api(applicant)
    with at(IN_WINDOW):
        created = draft(client, track="commitment", scope=SCOPE)
        upload_for(client, created["id"], "initial", "commitment")
        client.post(f"/api/v1/applications/{created['id']}/commitment/")
        assert submit(client, created["id"]).status_code == 200
        assert client.post(f"/api/v1/applications/{created['id']}/withdraw/", {"reason": "材料需调整"}).status_code == 200
        again = draft(client, track="commitment", scope=SCOPE)
        upload_for(client, again["id"], "initial", "commitment")
        client.post(f"/api/v1/applications/{again['id']}/commitment/")
        response = submit(client, again["id"])
    assert response.status_code == 400 and "一般程序" in str(response.data["track"])


def test_the_form_offers_only_offered_pairs_and_refuses_another(applicant):
    from django.test import Client
    from django.urls import reverse

    from approvals.forms import ApplicationForm

    form = ApplicationForm()
    assert [v for v, _label in form.fields["application_type"].choices] == [
        "initial", "renewal", "change", "extension", "cancellation"]
    assert [v for v, _label in form.fields["track"].choices] == ["ordinary", "commitment"]
    client = Client()
    client.force_login(applicant)
    page = client.post(reverse("approvals:application_create"), {
        "application_type": "cancellation", "track": "commitment", "cancellation_reason": "own_request",
        "declaration": "on", "field_code": "20", "industry_code": "00",
        "scope-TOTAL_FORMS": "0", "scope-INITIAL_FORMS": "0",
    })
    assert page.status_code == 400 and "注销申请不适用告知承诺" in page.content.decode()
    assert not Application.objects.exists()


def test_text_fields_take_text_only(api, applicant):
    """The schema says string: a number where text belongs is a 400, not silently turned into text."""
    response = api(applicant).post("/api/v1/applications/", {
        "test_sites": "贵阳", "declaration": True,
        "scope": [{"category": "食品", "item": "大米", "parameter": "镉", "standard": "GB 5009.15", "limitation": 0}],
    }, format="json")
    assert response.status_code == 400 and "scope" in response.data
    assert not Application.objects.exists()
