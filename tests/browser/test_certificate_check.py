"""The public certificate check in a real browser: look up by number, read status and signature."""

import pytest

from approvals.models import Certificate, CertificateStatus
from tests.documents.helpers import certify
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_public_lookup_by_number_shows_status_and_signature(page, live_server, settings, applicant, acceptor, reviewer,
                                                            approver, issuer, django_capture_on_commit_callbacks, screenshot):
    settings.SITE_URL = live_server.url
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=5)
    certificate = certify(app, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)

    page.goto("/verify/")
    page.get_by_label("证书编号").fill(certificate.number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/verify/{certificate.number}/")
    assert page.locator("[data-status]").inner_text() == "有效"
    assert page.locator("[data-genuine]").inner_text() == "真实有效"
    assert page.get_by_text(certificate.agency_name).count() >= 1
    assert page.locator("tbody tr").count() >= 5
    screenshot("verify-valid")

    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.REVOKED)
    page.reload()
    assert page.locator("[data-status]").inner_text() == "撤销"

    page.goto("/verify/?number=12ab")
    assert page.get_by_text("证书编号为12位数字").is_visible()
