"""No page shows a user an internal code, and none carries inline script or style (the coming
Content-Security-Policy forbids them): every page reachable by link is walked as each role, and
its visible text (and the attributes read aloud: title, placeholder, aria-label, alt) is searched for
the codes the product uses inside — catalogue codes, application types, statuses, nodes, outcomes."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

import pytest
from django.urls import reverse

from approvals.models import ApplicationStatus, ApplicationType, CertificateStatus
from approvals.models.applications import ReviewMode
from audit.models import AuditEntry
from documents.models import DocumentRequirement
from tests.documents.helpers import certify
from tests.factories import ApplicationFactory, UserFactory
from tests.pages import client_for
from tests.workflows.helpers import complete, to_review
from workflows import services, steps
from workflows.models import Step

pytestmark = pytest.mark.django_db

SKIP = ("/admin/", "/api/", "/i18n/", "/accounts/logout/", "/static/")
DOWNLOADS = re.compile(r"/(file|pdf|download)/?$|\.(csv|xlsx|json)$")
READ_ALOUD = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a person sees or hears, and the links to follow."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.inline: list[str] = []  # what a Content-Security-Policy without 'unsafe-inline' would block
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if (tag == "script" and not attrs.get("src")) or tag == "style" or "style" in attrs:
            self.inline.append(tag)
        if any(name.startswith("on") for name in attrs):
            self.inline.append(f"{tag} event handler")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.parts.extend(attrs[name] for name in READ_ALOUD if attrs.get(name))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def internal_codes() -> set[str]:
    codes = set(DocumentRequirement.objects.values_list("code", flat=True))
    for choices in (ApplicationType, ApplicationStatus, CertificateStatus, ReviewMode, Step.State, Step.Clock):
        codes.update(choices.values)
    codes.update(steps.STEPS)
    codes.update(outcome.name for declared in steps.STEPS.values() for outcome in declared.outcomes)
    codes.update({"application_type", "field_code", "industry_code", "document_code"})
    return codes


def walk(client, start: list[str], limit: int = 80) -> dict[str, str]:
    """GET every same-site page reachable from ``start`` (downloads, admin and API left out)."""
    seen, queue, pages = set(), list(start), {}
    while queue and len(pages) < limit:
        url = urldefrag(queue.pop(0))[0]
        parsed = urlparse(url)
        if parsed.netloc or not parsed.path.startswith("/") or url in seen:
            continue
        seen.add(url)
        if parsed.path.startswith(SKIP) or DOWNLOADS.search(parsed.path):
            continue
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response.url)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        pages[url] = " ".join(parser.parts)
        if parser.inline:
            pages[url] += " INLINE:" + ",".join(parser.inline)
        queue.extend(link for link in parser.links if link not in seen)
    return pages


@pytest.fixture
def histories(applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    """A draft, one in supplement (a defect naming a document), one in rectification, one certified."""
    # People appear by name (the demo usernames "applicant", "reviewer" … are not codes).
    for number, user in enumerate((applicant, acceptor, reviewer, approver, issuer)):
        user.first_name, user.last_name = "经办人", str(number)
        user.save(update_fields=["first_name", "last_name"])
    agency, make = applicant.agency, ApplicationFactory
    draft = make(agency=agency, created_by=applicant)
    supplement = make(agency=agency, created_by=applicant)
    services.application_submit(application=supplement, by=applicant)
    complete(supplement, "accept", acceptor, "supplement",
             deficiencies=[{"description": "缺少人员证明", "document_code": "personnel"}])
    rectification = make(agency=agency, created_by=applicant)
    to_review(rectification, applicant, acceptor)
    complete(rectification, "review", reviewer, "rectify", review_mode="onsite",
             findings=[{"clause": "4.4.2", "grade": "general", "description": "设备未检定"}])
    certified = make(agency=agency, created_by=applicant)
    certify(certified, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    return [draft, supplement, rectification, certified]


def test_no_page_shows_a_raw_code_to_any_role(histories, applicant, acceptor, reviewer, approver, issuer, monitor):
    monitor.first_name = "监测员"
    monitor.save(update_fields=["first_name"])
    # A username is what its owner typed at sign-up, not a code (the fixtures' "applicant" is also a clock's).
    codes = internal_codes() - {u.username for u in (applicant, acceptor, reviewer, approver, issuer, monitor)}
    codes |= set(AuditEntry.objects.values_list("action", flat=True))  # the audit record's events, as stored
    pattern = re.compile(r"(?<![A-Za-z0-9_./-])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
                         + r")(?![A-Za-z0-9_-])")
    certificate = histories[-1].certificate
    application_pages = [reverse("workflows:application_detail", args=[a.pk]) for a in histories]
    starts = {
        applicant: ["/", reverse("approvals:application_list"), reverse("approvals:application_create"),
                    *application_pages, *[reverse("documents:application", args=[a.pk]) for a in histories],
                    reverse("workflows:notifications")],
        acceptor: ["/", reverse("workflows:claimable"), *application_pages[1:]],
        reviewer: ["/", reverse("workflows:inbox"), reverse("workflows:claimable"), *application_pages[1:]],
        approver: ["/", reverse("workflows:claimable"), *application_pages[1:]],
        issuer: ["/", reverse("workflows:claimable"), *application_pages[1:]],
        monitor: ["/", reverse("metrics:dashboard"), *application_pages[1:]],
        None: ["/", reverse("documents:verify-lookup"), reverse("documents:verify", args=[certificate.number]),
               reverse("approvals:sign_up"), reverse("login")],
    }
    found, walked = {}, 0
    for user, start in starts.items():
        client = client_for(user) if user is not None else __import__("django.test").test.Client()
        for url, visible in walk(client, start).items():
            walked += 1
            hits = sorted(set(pattern.findall(visible)) | ({"inline script or style"} if " INLINE:" in visible else set()))
            if hits:
                found[f"{user or 'public'} {url}"] = hits
    assert walked > 40, walked  # the walk really went through the site
    assert found == {}


def test_the_walk_would_catch_a_leak(applicant):
    # The same detector on a page that does show a code: the test above can fail.
    UserFactory(username="someone")
    parser = VisibleText()
    parser.feed('<p data-code="personnel">材料代码：personnel</p><script>var initial = 1;</script>')
    text = " ".join(parser.parts)
    assert re.search(r"(?<![A-Za-z0-9_./-])personnel(?![A-Za-z0-9_-])", text) and "initial" not in text


def test_every_audit_event_the_product_records_has_a_name():
    """The audit record on the application page names each event; a code written anywhere in the
    product (``audit_record(action=…)``, a document's or a certificate decision's event) has a label."""
    from pathlib import Path

    from approvals.models import CertificateAction
    from approvals.templatetags.approvals_pages import audit_event

    root = Path(__file__).resolve().parent.parent
    written = set()
    for app in ("approvals", "documents", "workflows", "metrics", "audit"):
        for path in (root / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            written.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
            written.update(re.findall(r'_audit_document\("([a-z_]+\.[a-z_]+)"', text))
    written.update(f"certificate.{kind}" for kind in CertificateAction.Kind.values)
    assert {"document.upload", "answer_file.remove", "certificate.issue", "certificate.cancel"} <= written
    unnamed = sorted(code for code in written if audit_event(code) == code)
    assert unnamed == []
