"""The documents API: scoped to the caller (404 outside), error contract 400/403/404/409."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import Certificate, CertificateStatus, CertificateVersion
from documents.models import Document
from tests.documents.factories import image_bytes, pdf_bytes
from tests.documents.helpers import pdf_of, rendered
from tests.factories import ApplicationFactory
from workflows import services as flow

pytestmark = pytest.mark.django_db


def url(app, suffix=""):
    return f"/api/v1/applications/{app.pk}/documents/{suffix}"


def test_catalogue_per_rule_set_shows_the_reduction(api, applicant):
    api.force_authenticate(applicant)
    now = api.get("/api/v1/document-requirements/?application_type=initial&track=ordinary").json()
    before = api.get("/api/v1/document-requirements/?application_type=initial&track=ordinary&rule_set=national-2015").json()
    assert {r["rule_set"] for r in now} == {"national-2021"} and {r["rule_set"] for r in before} == {"national-2015"}
    shared_now = {r["code"] for r in now if r["via_data_sharing"]}
    shared_before = {r["code"] for r in before if r["via_data_sharing"]}
    assert shared_now == {"legal_status"} and shared_before == set()
    requested = lambda rows: [r for r in rows if r["mandatory"] and not r["via_data_sharing"]]  # noqa: E731
    assert len(requested(now)) == len(requested(before)) - 1
    form = next(r for r in now if r["code"] == "application_form")
    assert form["name"] == "资质认定申请书" and form["name_en"] == "Application form" and form["accepted_formats"] == ["pdf"]
    commitment = api.get("/api/v1/document-requirements/?application_type=initial&track=commitment").json()
    # the commitment letter is signed online (its text is rule-set data), no longer uploaded
    assert "commitment_letter" not in {r["code"] for r in commitment}
    assert {r["code"] for r in commitment} == {r["code"] for r in now}


def test_catalogue_rejects_unknown_parameters_and_anonymous_callers(api, applicant):
    assert api.get("/api/v1/document-requirements/").status_code in (401, 403)
    api.force_authenticate(applicant)
    response = api.get("/api/v1/document-requirements/?application_type=bogus&track=x&rule_set=nope")
    assert response.status_code == 400 and set(response.json()) == {"application_type", "track", "rule_set"}


def test_upload_through_the_api(api, applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    api.force_authenticate(applicant)
    response = api.post(url(app), {"requirement": "premises",
                                   "file": SimpleUploadedFile("../../etc/passwd.png", image_bytes("PNG"))}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requirement"] == "premises" and body["content_type"] == "image/png" and "/" not in body["name"]
    stored = Document.objects.get(pk=body["id"])
    assert stored.file.name.startswith(f"uploads/{app.pk}/") and "passwd" not in stored.file.name
    checklist = api.get(url(app)).json()
    assert checklist["complete"] is False
    assert "premises" not in checklist["missing"] and "application_form" in checklist["missing"]
    premises = next(r for r in checklist["requirements"] if r["requirement"]["code"] == "premises")
    assert premises["state"] == "provided" and premises["documents"][0]["id"] == body["id"]
    download = api.get(premises["documents"][0]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == image_bytes("PNG")
    assert download["X-Content-Type-Options"] == "nosniff" and "attachment" in download["Content-Disposition"]


def test_bad_upload_gets_400_with_the_reason(api, applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    api.force_authenticate(applicant)
    response = api.post(url(app), {"requirement": "premises",
                                   "file": SimpleUploadedFile("x.pdf", b"<html><body>hi</body></html>")}, format="multipart")
    assert response.status_code == 400 and "不是PDF、JPEG或PNG" in response.json()["file"][0]
    response = api.post(url(app), {"requirement": "premises"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    assert not Document.objects.exists()


def test_scoping_and_roles(api, draft, applicant, applicant2, acceptor):
    doc = draft.documents.first()
    api.force_authenticate(applicant2)  # another agency: nothing exists for them
    assert api.get(url(draft)).status_code == 404
    assert api.get(url(draft, f"{doc.pk}/file")).status_code == 404
    assert api.post(url(draft), {"requirement": "premises", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
                    format="multipart").status_code == 404
    api.force_authenticate(acceptor)  # a draft is the agency's own business
    assert api.get(url(draft)).status_code == 404
    flow.application_submit(application=draft, by=draft.created_by)
    # once submitted, an official sees it, but may not upload
    assert api.get(url(draft)).json()["complete"] is True
    assert api.get(url(draft, f"{doc.pk}/file")).status_code == 200
    assert api.post(url(draft), {"requirement": "premises", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
                    format="multipart").status_code == 403
    api.force_authenticate(None)
    assert api.get(url(draft, f"{doc.pk}/file")).status_code in (401, 403)


def test_no_uploads_once_submitted_and_removal(api, draft, applicant):
    api.force_authenticate(applicant)
    doc = draft.documents.get(requirement__code="premises")
    assert api.delete(url(draft, f"{doc.pk}/")).status_code == 204
    assert api.get(url(draft)).json()["missing"] == ["premises"]
    draft.documents.filter(pk=doc.pk).update(removed_at=None)
    flow.application_submit(application=draft, by=applicant)
    response = api.post(url(draft), {"requirement": "premises", "file": SimpleUploadedFile("a.pdf", pdf_bytes(2))},
                        format="multipart")
    assert response.status_code == 409 and response.json()["status"] == "submitted"
    assert api.delete(url(draft, f"{doc.pk}/")).status_code == 409


def test_reuse_through_the_api(api, draft, applicant):
    flow.application_submit(application=draft, by=applicant)
    second = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    api.force_authenticate(applicant)
    offers = {r["requirement"]["code"]: r["reusable"] for r in api.get(url(second)).json()["requirements"]}
    offer = offers["typical_reports"][0]
    assert offer["application"] == draft.reference
    response = api.post(url(second), {"reuse": offer["id"]}, format="json")
    assert response.status_code == 201 and response.json()["reused_from"] == offer["id"]
    assert api.post(url(second), {"reuse": "x"}, format="json").status_code == 400


def test_certificate_pdf_download_is_limited_to_the_agency_and_officials(api, certified, applicant, applicant2, monitor):
    number = certified.certificate.number
    path = f"/api/v1/certificates/{number}/pdf"
    expected = pdf_of(rendered(certified, "certificate"))
    for user, status in ((applicant, 200), (monitor, 200), (applicant2, 404)):
        api.force_authenticate(user)
        response = api.get(path)
        assert response.status_code == status
        if status == 200:
            assert response["Content-Type"] == "application/pdf" and b"".join(response.streaming_content) == expected
    api.force_authenticate(None)
    assert api.get(path).status_code in (401, 403)


def test_issued_documents_list(api, certified, applicant):
    api.force_authenticate(applicant)
    rows = api.get(f"/api/v1/applications/{certified.pk}/issued/").json()
    assert [r["kind"] for r in rows] == ["acceptance_notice", "decision_letter", "certificate"]
    assert all(r["state"] == "ready" and r["download_url"] for r in rows)
    assert api.get(rows[0]["download_url"]).status_code == 200


def test_public_certificate_check_needs_no_login(api, certified, settings):
    cert = certified.certificate
    body = api.get(f"/api/v1/public/certificates/{cert.number}/").json()
    assert body["status"] == "valid" and body["genuine"] is True and body["signature"]["valid"] is True
    assert body["agency"]["name"] == cert.agency_name and body["expires_on"] == cert.expires_on.isoformat()
    assert len(body["scope"]) == 3 and body["verify_url"] == f"{settings.SITE_URL}/verify/{cert.number}/1/"
    Certificate.objects.filter(pk=cert.pk).update(status=CertificateStatus.REVOKED)
    CertificateVersion.objects.filter(pk=cert.current_id).update(agency_name="改过的名称")
    body = api.get(f"/api/v1/public/certificates/{cert.number}/").json()
    assert (body["status"], body["status_display"], body["genuine"]) == ("revoked", "撤销", False)
    assert api.get("/api/v1/public/certificates/999999999999/").status_code == 404


def test_an_oversized_upload_is_cut_off_while_it_is_read(api, applicant, settings, monkeypatch):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.DOCUMENT_MAX_UPLOAD_BYTES = 4096
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything bigger would go to a temporary file
    written = []
    original = TemporaryFileUploadHandler.receive_data_chunk
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk",
                        lambda self, data, start: written.append(len(data)) or original(self, data, start))
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    api.force_authenticate(applicant)
    big = SimpleUploadedFile("big.pdf", pdf_bytes() + b"%" * 200_000)
    response = api.post(url(app), {"requirement": "premises", "file": big}, format="multipart")
    assert response.status_code == 400 and "文件过大" in response.json()["file"][0] and "4.0" in response.json()["file"][0]
    assert sum(written) <= 4096  # never more than the limit reached the temporary file
    assert not Document.objects.exists()
