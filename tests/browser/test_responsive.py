"""At a phone's width (390 px) the public pages — the home page and the certificate check, where
every QR scan lands — have no horizontal scrollbar, and the header controls do not overlap."""

import pytest

from tests.documents.helpers import certify
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def overlapping_header_controls(page) -> list[str]:
    """Pairs of visible header controls whose boxes intersect."""
    return page.evaluate("""() => {
      const els = [...document.querySelectorAll('.topbar a, .topbar button, .topbar select, .topbar label, .topbar .who')]
        .filter(e => e.offsetParent !== null);
      const boxes = els.map(e => [e, e.getBoundingClientRect()]);
      const hits = [];
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, ra] = boxes[i], [b, rb] = boxes[j];
        if (a.contains(b) || b.contains(a)) continue;
        if (ra.left < rb.right - 1 && rb.left < ra.right - 1 && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1)
          hits.push(a.textContent.trim() + ' / ' + b.textContent.trim());
      }
      return hits;
    }""")


def test_public_pages_fit_a_phone(browser, live_server, settings, applicant, acceptor, reviewer, approver, issuer,
                                  django_capture_on_commit_callbacks, screenshot):
    settings.SITE_URL = live_server.url
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=6)
    certificate = certify(app, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/")
        assert page.get_by_role("link", name="证书查询与核验").first.is_visible()
        for url in ("/", "/verify/", f"/verify/{certificate.number}/", "/verify/?number=12ab", "/accounts/login/",
                    "/signup/"):
            page.goto(url)
            assert horizontal_overflow(page) <= 0, url
            assert overlapping_header_controls(page) == [], url
        # A number typed with spaces on the phone still finds the certificate.
        page.goto("/verify/")
        page.get_by_label("证书编号").fill(f"{certificate.number[:4]} {certificate.number[4:8]} {certificate.number[8:]}")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url(f"**/verify/{certificate.number}/")
        assert page.locator("[data-status]").inner_text() == "有效"
        assert horizontal_overflow(page) <= 0
    finally:
        context.close()
