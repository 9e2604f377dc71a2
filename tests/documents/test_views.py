"""Pages: the public check, the applicant's checklist with uploads, permission-checked downloads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import Certificate, CertificateStatus, CertificateVersion
from documents.models import Document
from tests.documents.factories import pdf_bytes
from tests.factories import ApplicationFactory
from tests.workflows.helpers import complete
from workflows import services as flow

pytestmark = pytest.mark.django_db


def test_public_verify_page_by_number_needs_no_login(client, certified):
    cert = certified.certificate
    response = client.get(f"/verify/{cert.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert cert.agency_name in html and 'data-status="valid"' in html and 'data-genuine="true"' in html
    assert "食品检测项目3" in html
    Certificate.objects.filter(pk=cert.pk).update(status=CertificateStatus.REVOKED)
    html = client.get(f"/verify/{cert.number}/").content.decode()
    assert 'data-status="revoked"' in html and "撤销" in html


def test_lookup_form_redirects_and_explains_bad_numbers(client, certified):
    number = certified.certificate.number
    response = client.get("/verify/", {"number": number})
    assert response.status_code == 302 and response["Location"] == f"/verify/{number}/"
    response = client.get("/verify/", {"number": "12ab"})
    assert response.status_code == 200 and "证书编号为12位数字" in response.content.decode()
    response = client.get("/verify/000000000000/")
    assert response.status_code == 404 and "未查询到" in response.content.decode()


def test_verify_page_escapes_what_the_applicant_typed(client, certified):
    CertificateVersion.objects.filter(pk=certified.certificate.current_id).update(agency_name="<script>alert(1)</script>")
    html = client.get(f"/verify/{certified.certificate.number}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html and 'data-genuine="false"' in html


def test_checklist_page_uploads_and_shows_errors(client, applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    client.force_login(applicant)
    page = client.get(f"/applications/{app.pk}/documents/")
    html = page.content.decode()
    assert page.status_code == 200 and "资质认定申请书" in html and "政务数据共享获取，无需提交" in html
    response = client.post(f"/applications/{app.pk}/documents/",
                           {"requirement": "premises", "file": SimpleUploadedFile("plan.pdf", pdf_bytes())})
    assert response.status_code == 302
    assert Document.objects.filter(application=app, requirement__code="premises").count() == 1
    response = client.post(f"/applications/{app.pk}/documents/",
                           {"requirement": "premises", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary")})
    assert response.status_code == 400 and "不是PDF、JPEG或PNG" in response.content.decode()
    assert Document.objects.filter(application=app).count() == 1


def test_supplement_points_are_listed_on_the_page_all_at_once(client, draft, applicant, acceptor):
    flow.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[
        {"description": "劳动合同缺页", "document_code": "personnel"},
        {"description": "设备校准证书过期", "document_code": "equipment"},
    ])
    client.force_login(applicant)
    html = client.get(f"/applications/{draft.pk}/documents/").content.decode()
    assert "一次性告知" in html and "劳动合同缺页" in html and "设备校准证书过期" in html
    assert html.count('data-state="rejected"') == 2


def test_downloads_are_404_for_other_agencies(client, draft, applicant2, acceptor):
    doc = draft.documents.first()
    client.force_login(applicant2)
    assert client.get(f"/documents/{doc.pk}/file/").status_code == 404
    assert client.get(f"/applications/{draft.pk}/documents/").status_code == 404
    client.force_login(acceptor)
    assert client.get(f"/documents/{doc.pk}/file/").status_code == 404  # a draft is the agency's own
    flow.application_submit(application=draft, by=draft.created_by)
    response = client.get(f"/documents/{doc.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")


def test_certificate_pdf_page_download(client, certified, applicant, applicant2):
    number = certified.certificate.number
    client.force_login(applicant2)
    assert client.get(f"/certificates/{number}/pdf/").status_code == 404
    client.force_login(applicant)
    response = client.get(f"/certificates/{number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_admin_lists_the_catalogue_and_the_records(client, certified, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    for model in ("documentrequirement", "document", "rendereddocument", "verificationkey", "certificatesignature"):
        response = client.get(f"/admin/documents/{model}/")
        assert response.status_code == 200, model
    html = client.get("/admin/documents/documentrequirement/").content.decode()
    assert "资质认定申请书" in html


def test_certificate_check_is_three_queries(certified, django_assert_num_queries):
    """The certificate, its versions (with signatures and keys) and its decisions."""
    from documents import selectors

    number = certified.certificate.number
    with django_assert_num_queries(3):
        check = selectors.certificate_check(number=number)
    assert check.genuine


def test_the_page_refuses_an_oversized_file_with_the_size_message(client, applicant, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 4096
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    client.force_login(applicant)
    response = client.post(f"/applications/{app.pk}/documents/",
                           {"requirement": "premises", "file": SimpleUploadedFile("big.pdf", pdf_bytes() + b"%" * 100_000)})
    assert response.status_code == 400 and "文件过大" in response.content.decode()
    assert not Document.objects.exists()


def test_the_upload_page_still_checks_csrf(applicant):
    from django.test import Client

    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(applicant)
    response = strict.post(f"/applications/{app.pk}/documents/",
                           {"requirement": "premises", "file": SimpleUploadedFile("a.pdf", pdf_bytes())})
    assert response.status_code == 403 and not Document.objects.exists()
