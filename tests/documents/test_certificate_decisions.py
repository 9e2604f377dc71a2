"""Officials suspend, restore and revoke certificates through the API and the pages: permission-checked,
with the 400/403/404/409 contract; each decision is recorded, published and gets its letter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import Certificate, CertificateAction
from documents.models import RenderedDocument
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(certificate, kind):
    return f"/api/v1/certificates/{certificate.number}/{kind}/"


def test_the_api_records_each_decision_and_refuses_what_the_status_does_not_allow(api, certified, approver):
    certificate = certified.certificate
    api.force_authenticate(approver)
    response = api.post(url(certificate, "suspend"), {"reason": "监督抽查不合格"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["action"]["seq"], body["action"]["reason"]) == ("suspended", 1, "监督抽查不合格")
    assert body["action"]["effective_on"] == timezone.localdate().isoformat()
    letter = RenderedDocument.objects.get(action__certificate=certificate)
    assert letter.kind == "suspension_letter" and body["action"]["letter_url"] == f"/api/v1/issued/{letter.pk}/pdf"
    again = api.post(url(certificate, "suspend"), {"reason": "再次暂停"}, format="json")
    assert again.status_code == 409 and again.json()["status"] == "suspended"
    assert api.post(url(certificate, "restore"), {"reason": "整改完成"}, format="json").status_code == 200
    assert api.post(url(certificate, "revoke"), {"reason": "以欺骗手段取得"}, format="json").status_code == 200
    assert api.post(url(certificate, "restore"), {"reason": "恢复"}, format="json").status_code == 409
    assert list(CertificateAction.objects.values_list("kind", flat=True)) == ["suspend", "restore", "revoke"]
    assert Certificate.objects.get(pk=certificate.pk).status == "revoked"


@pytest.mark.parametrize("data,field", [
    ({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 2001}, "reason"),
    ({"reason": "理由", "on": "not a date"}, "on"), ({"reason": "理由", "on": "FUTURE"}, "on"),
])
def test_bad_input_is_a_400_naming_the_field_and_records_nothing(api, certified, approver, data, field):
    if data.get("on") == "FUTURE":
        data["on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    api.force_authenticate(approver)
    response = api.post(url(certified.certificate, "suspend"), data, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not CertificateAction.objects.exists() and not RenderedDocument.objects.filter(action__isnull=False).exists()


def test_who_may_decide(api, certified, applicant, applicant2, reviewer, issuer):
    certificate = certified.certificate
    for user, status in ((reviewer, 403), (issuer, 403), (applicant, 403), (applicant2, 404)):
        api.force_authenticate(user)
        assert api.post(url(certificate, "revoke"), {"reason": "理由"}, format="json").status_code == status, user
    superuser_with_an_agency = UserFactory(is_superuser=True, agency=applicant.agency)
    api.force_authenticate(superuser_with_an_agency)  # an agency's staff never decides on the register
    assert api.post(url(certificate, "revoke"), {"reason": "理由"}, format="json").status_code == 403
    api.force_authenticate(None)
    assert api.post(url(certificate, "revoke"), {"reason": "理由"}, format="json").status_code in (401, 403)
    api.force_authenticate(reviewer)
    assert api.post("/api/v1/certificates/999999999999/revoke/", {"reason": "理由"}, format="json").status_code == 404
    assert not CertificateAction.objects.exists()


def test_the_official_decides_on_the_page(client, certified, approver):
    certificate = certified.certificate
    client.force_login(approver)
    page = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert 'data-section="decide"' in page and 'value="suspend"' in page and 'value="restore"' not in page
    empty = client.post(f"/certificates/{certificate.number}/", {"kind": "suspend", "reason": ""})
    assert empty.status_code == 400 and not CertificateAction.objects.exists()
    response = client.post(f"/certificates/{certificate.number}/", {"kind": "suspend", "reason": "出具虚假报告"})
    assert response.status_code == 302
    page = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert 'data-status="suspended"' in page and "出具虚假报告" in page and 'value="restore"' in page
    stale = client.post(f"/certificates/{certificate.number}/", {"kind": "suspend", "reason": "又一次"})
    assert stale.status_code == 409 and "不能" in stale.content.decode()
    cancel = client.post(f"/certificates/{certificate.number}/", {"kind": "cancel", "reason": "注销"})
    assert cancel.status_code == 400  # cancellation is a procedure, not offered here
    public = client.get(f"/verify/{certificate.number}/").content.decode()
    assert 'data-status="suspended"' in public and "出具虚假报告" in public


def test_the_pages_are_scoped(client, certified, applicant, applicant2, reviewer):
    certificate = certified.certificate
    client.force_login(reviewer)  # sees the register, may not decide
    page = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert 'data-section="versions"' in page and 'data-section="decide"' not in page
    assert client.post(f"/certificates/{certificate.number}/", {"kind": "revoke", "reason": "x"}).status_code == 403
    listed = client.get("/certificates/", {"q": certificate.number[:8]}).content.decode()
    assert f'data-certificate="{certificate.number}"' in listed
    by_name = client.get("/certificates/", {"q": certificate.agency_name[-4:]}).content.decode()
    assert f'data-certificate="{certificate.number}"' in by_name
    assert 'data-certificate=' not in client.get("/certificates/", {"status": "revoked"}).content.decode()
    client.force_login(applicant)  # its own, read-only
    assert client.get(f"/certificates/{certificate.number}/").status_code == 200
    assert f'data-certificate="{certificate.number}"' in client.get("/certificates/").content.decode()
    assert client.post(f"/certificates/{certificate.number}/", {"kind": "revoke", "reason": "x"}).status_code == 403
    client.force_login(applicant2)
    assert client.get(f"/certificates/{certificate.number}/").status_code == 404
    assert 'data-certificate=' not in client.get("/certificates/").content.decode()
    assert not CertificateAction.objects.exists()


def test_the_letter_downloads_for_the_agency(client, certified, approver, applicant, applicant2,
                                             django_capture_on_commit_callbacks):
    certificate = certified.certificate
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/certificates/{certificate.number}/", {"kind": "revoke", "reason": "以欺骗手段取得"})
    letter = RenderedDocument.objects.get(kind="revocation_letter")
    client.force_login(applicant)
    page = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert f"/issued/{letter.pk}/pdf/" in page
    response = client.get(f"/issued/{letter.pk}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(applicant2)
    assert client.get(f"/issued/{letter.pk}/pdf/").status_code == 404
