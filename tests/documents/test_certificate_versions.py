"""Certificate versions and decisions in public: every version is signed, has its own PDF and QR
code and stays verifiable; the verify page shows the current version, the history with the annex
differences, and the authority's decisions with date and reason, each with its signed letter."""

import io
from datetime import date

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyzbar.pyzbar import decode

from approvals import services as domain
from approvals.models import ApplicationType, CertificateVersion
from documents import selectors, services
from documents.contexts import verify_url
from documents.models import CertificateSignature, RenderedDocument
from tests.documents.helpers import page_png, pdf_of
from tests.documents.test_pdfs import text_of
from tests.factories import ApplicationFactory
from tests.timecontrol import at

pytestmark = pytest.mark.django_db
NEW_ITEM = {"category": "环境", "item": "水质", "parameter": "pH值", "standard": "HJ 1147-2020", "limitation": ""}


def extend(certificate, by, capture, *, day=date(2027, 5, 10), **kwargs) -> CertificateVersion:
    """A new version through the domain service, then the documents side, rendering after commit."""
    application = ApplicationFactory(agency=certificate.agency, application_type=ApplicationType.EXTENSION,
                                     scope=0, documents=False)
    with at(day), capture(execute=True):
        version = domain.certificate_new_version(certificate=certificate, application=application, by=by, **kwargs)
        services.certificate_publish(certificate=certificate)
    return version


def decide(name, certificate, by, capture, reason, day=date(2027, 6, 1)):
    with at(day), capture(execute=True):
        action = getattr(domain, f"certificate_{name}")(certificate=certificate, by=by, reason=reason)
        services.certificate_publish(certificate=certificate)
    return action


@pytest.fixture
def extended(certified, approver, django_capture_on_commit_callbacks):
    certificate = certified.certificate
    standard_changed = dict(certificate.scope[1], standard="GB 5009.2-2024")
    scope = [certificate.scope[0], standard_changed, NEW_ITEM]  # item 3 dropped, item 2 re-based, one added
    extend(certificate, approver, django_capture_on_commit_callbacks, scope=scope,
           header={"signatories": "王五 技术负责人 全部项目"})
    certificate.refresh_from_db()
    return certificate


def test_each_version_is_signed_with_its_own_pdf_and_qr(extended, tmp_path):
    v1, v2 = extended.versions.order_by("version")
    assert CertificateSignature.objects.filter(version__certificate=extended).count() == 2
    pdfs = {r.version.version: r for r in RenderedDocument.objects.filter(certificate=extended, kind="certificate")
            .select_related("version")}
    assert sorted(pdfs) == [1, 2] and all(r.state == "ready" for r in pdfs.values())
    assert pdfs[2].application_id == v2.application_id != pdfs[1].application_id
    data = pdf_of(pdfs[2])
    assert "第2版" in text_of(data, 0, 1) and "水质" in text_of(data) and "王五" in text_of(data)
    codes = decode(Image.open(page_png(data, tmp_path, page=1)))
    assert [c.data.decode() for c in codes] == [verify_url(extended.number, 2)]
    assert len(PdfFileReader(io.BytesIO(data)).embedded_signatures) == 1
    services.certificate_publish(certificate=extended)  # idempotent: nothing new to sign or render
    assert RenderedDocument.objects.filter(certificate=extended).count() == 2


def test_the_verify_page_shows_the_current_version_and_the_annex_differences(extended, client):
    page = client.get(f"/verify/{extended.number}/").content.decode()
    assert 'data-version="2"' in page and "data-superseded" not in page and 'data-genuine="true"' in page
    assert 'data-history-version="2"' in page and 'data-history-version="1"' in page
    section = page[page.index('data-history-version="2"'):page.index('data-history-version="1"')]
    added = section[section.index('data-annex="added"'):]
    assert "水质" in added.split("</tr>")[0]
    removed = section[section.index('data-annex="removed"'):]
    assert "食品检测项目3" in removed.split("</tr>")[0]
    changed = section[section.index('data-annex="changed"'):]
    assert "GB 5009.2-2016" in changed.split("</tr>")[0] and "GB 5009.2-2024" in changed.split("</tr>")[0]
    assert "授权签字人" in section and "王五" in section


def test_an_old_versions_qr_still_verifies_and_says_it_has_been_superseded(extended, client):
    response = client.get(f"/verify/{extended.number}/1/")
    page = response.content.decode()
    assert response.status_code == 200 and 'data-genuine="true"' in page and 'data-version="1"' in page
    assert "data-superseded" in page and "已于2027-05-10被第2版取代" in page
    assert "食品检测项目3" in page  # what version 1 said
    assert client.get(f"/verify/{extended.number}/3/").status_code == 404
    check = selectors.certificate_check(number=extended.number, version=1)
    assert check.genuine and check.superseded and check.superseded_by.version == 2


def test_the_public_api_gives_history_and_versions(extended, api):
    body = api.get(f"/api/v1/public/certificates/{extended.number}/").json()
    assert (body["version"], body["current_version"], body["superseded"], body["genuine"]) == (2, 2, False, True)
    newest = body["versions"][0]
    assert newest["annex"]["added"][0]["item"] == "水质" and newest["annex"]["removed"][0]["item"] == "食品检测项目3"
    old = api.get(f"/api/v1/public/certificates/{extended.number}/?version=1").json()
    assert (old["version"], old["superseded"], old["genuine"]) == (1, True, True)
    assert api.get(f"/api/v1/public/certificates/{extended.number}/?version=x").status_code == 400
    assert api.get(f"/api/v1/public/certificates/{extended.number}/?version=9").status_code == 404


def test_a_renewal_under_a_new_number_keeps_the_old_number_verifiable(certified, approver, client,
                                                                      django_capture_on_commit_callbacks):
    certificate = certified.certificate
    old = certificate.number
    extend(certificate, approver, django_capture_on_commit_callbacks, day=date(2032, 1, 5),
           expires_on=date(2038, 3, 1), new_number=True)
    certificate.refresh_from_db()
    assert certificate.number != old
    page = client.get(f"/verify/{old}/").content.decode()  # the old number finds the certificate, current version
    assert f"<td>{certificate.number}</td>" in page and "证书编号" in page
    old_page = client.get(f"/verify/{old}/1/").content.decode()
    assert "data-superseded" in old_page and 'data-genuine="true"' in old_page


def test_decisions_are_published_with_date_and_reason_and_a_signed_letter(certified, approver, client,
                                                                         django_capture_on_commit_callbacks):
    certificate = certified.certificate
    decide("suspend", certificate, approver, django_capture_on_commit_callbacks, "监督抽查发现出具虚假报告")
    page = client.get(f"/verify/{certificate.number}/").content.decode()
    assert 'data-status="suspended"' in page and "自2027-06-01起" in page
    row = page[page.index('data-action="suspend"'):].split("</tr>")[0]
    assert "2027-06-01" in row and "监督抽查发现出具虚假报告" in row
    letter = RenderedDocument.objects.get(certificate=certificate, kind="suspension_letter")
    text = text_of(pdf_of(letter))
    assert letter.state == "ready" and letter.application_id == certified.pk
    assert "暂停资质认定证书决定书" in text and "2027年6月1日起暂停" in text and "监督抽查发现出具虚假报告" in text
    assert certificate.number in text and "行政复议" in text
    assert len(PdfFileReader(io.BytesIO(pdf_of(letter))).embedded_signatures) == 1
    decide("revoke", certificate, approver, django_capture_on_commit_callbacks, "以欺骗手段取得资质认定",
           day=date(2027, 7, 1))
    check = selectors.certificate_check(number=certificate.number, today=date(2027, 7, 2))
    assert (check.status, check.genuine) == ("revoked", True)
    assert [(a.kind, a.reason) for a in check.actions] == [
        ("suspend", "监督抽查发现出具虚假报告"), ("revoke", "以欺骗手段取得资质认定")]
    kinds = list(RenderedDocument.objects.filter(certificate=certificate).order_by("id").values_list("kind", "round"))
    assert kinds == [("certificate", 1), ("suspension_letter", 1), ("revocation_letter", 2)]


def test_the_verify_page_in_english(extended, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/verify/{extended.number}/1/").content.decode()
    assert "superseded by version 2 on 2027-05-10" in page and "Versions of the certificate" in page
    assert "Added" in page and "Removed" in page and "Signature valid" in page


def token_client(user=None):
    """What ``api(user)`` is in tests/api (this folder's ``api`` fixture is a bare client): the token is
    issued as each request is made, at the travelled time, so an expiring token never refuses it."""
    from rest_framework.test import APIClient

    from approvals.services import api_token_issue

    class TokenClient(APIClient):
        def request(self, **kwargs):
            if user is not None:
                self.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")
            return super().request(**kwargs)

    return TokenClient()


def test_the_procedures_publish_versions_and_letters(applicant, acceptor, reviewer, approver, issuer,
                                                     django_capture_on_commit_callbacks):
    """A renewal through the flow gets its signed version PDF; a cancellation its letter and public reason."""
    from tests.api.test_procedures_api import IN_WINDOW, SCOPE, draft, first_certificate, submit, upload_for, work

    api = token_client

    officials = {"acceptor": acceptor, "reviewer": reviewer, "approver": approver, "issuer": issuer}
    certificate = first_certificate(api, applicant, officials)
    client = api(applicant)
    with at(IN_WINDOW), django_capture_on_commit_callbacks(execute=True):
        renewal = draft(client, application_type="renewal", certificate=certificate.number, scope=SCOPE[:1])
        upload_for(client, renewal["id"], "renewal")
        assert submit(client, renewal["id"]).status_code == 200
        work(api, officials, renewal["id"], ("acceptor", "accept", {}), ("reviewer", "pass", {"review_mode": "written"}),
             ("approver", "approve", {}), ("issuer", "issue", {}))
    pdf = RenderedDocument.objects.get(application_id=renewal["id"], kind="certificate")
    assert (pdf.version.version, pdf.round, pdf.state) == (2, 2, "ready")
    assert CertificateSignature.objects.filter(version=pdf.version).exists()
    assert len(PdfFileReader(io.BytesIO(pdf_of(pdf))).embedded_signatures) == 1
    with at(IN_WINDOW), django_capture_on_commit_callbacks(execute=True):
        cancellation = draft(client, application_type="cancellation", certificate=certificate.number, test_sites="x",
                             cancellation_reason="dissolution")
        upload_for(client, cancellation["id"], "cancellation")
        assert submit(client, cancellation["id"]).status_code == 200
        work(api, officials, cancellation["id"], ("acceptor", "accept", {}), ("approver", "approve", {}))
    letter = RenderedDocument.objects.get(kind="cancellation_letter")
    assert letter.state == "ready" and letter.action.kind == "cancel"
    assert "注销资质认定证书决定书" in text_of(pdf_of(letter))
    check = selectors.certificate_check(number=certificate.number, today=IN_WINDOW)
    assert check.status == "cancelled" and check.actions[-1].effective_on == IN_WINDOW
