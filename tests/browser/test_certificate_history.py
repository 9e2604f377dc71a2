"""A certificate's lifecycle in a real browser: an official suspends it on the certificate page, and
the public sees the decision, the current version, the history with the annex differences, and an
old version that says it has been superseded."""

import pytest
from playwright.sync_api import expect

from approvals import services as domain
from approvals.models import ApplicationType
from documents import services
from tests.browser.test_ordinary_track import sign_in
from tests.documents.helpers import certify
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_official_suspends_and_the_public_reads_history_and_decision(
        page, live_server, settings, applicant, acceptor, reviewer, approver, issuer,
        django_capture_on_commit_callbacks, screenshot):
    settings.SITE_URL = live_server.url
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=3)
    certificate = certify(app, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    extension = ApplicationFactory(agency=applicant.agency, application_type=ApplicationType.EXTENSION, scope=0,
                                   documents=False)
    scope = [*certificate.scope, {"category": "环境", "item": "地表水", "parameter": "化学需氧量",
                                  "standard": "HJ 828-2017", "limitation": ""}]
    with django_capture_on_commit_callbacks(execute=True):
        domain.certificate_new_version(certificate=certificate, application=extension, by=issuer, scope=scope)
        services.certificate_publish(certificate=certificate)

    sign_in(page, approver.username)
    page.goto(f"/certificates/{certificate.number}/")
    page.get_by_label("决定").select_option("suspend")
    page.get_by_label("理由").fill("监督抽查发现出具不实报告")
    page.get_by_role("button", name="作出决定").click()
    expect(page.locator(".page-head [data-status]")).to_have_text("暂停")
    expect(page.locator('[data-section="actions"] [data-action="suspend"]')).to_contain_text("监督抽查发现出具不实报告")
    screenshot("certificate-suspended")

    page.goto(f"/verify/{certificate.number}/1/")  # what version 1's QR code opens
    expect(page.locator("[data-superseded]")).to_contain_text("被第2版取代")
    expect(page.locator("[data-genuine]")).to_have_text("真实有效")
    page.get_by_role("link", name="查看现行版本").click()
    page.wait_for_url(f"**/verify/{certificate.number}/")
    expect(page.locator("[data-version]")).to_contain_text("第2版")
    expect(page.locator(".verdict [data-status]")).to_have_text("暂停")
    expect(page.locator('[data-actions] [data-action="suspend"]')).to_contain_text("监督抽查发现出具不实报告")
    expect(page.locator("[data-history-version]")).to_have_count(2)
    added = page.locator('[data-history-version="2"] [data-annex="added"]')
    expect(added).to_have_count(1)
    expect(added).to_contain_text("地表水")
    expect(added).to_be_visible()
    screenshot("verify-history")
