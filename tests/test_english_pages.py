"""English pages are English: walking the site in English as each role, no Chinese is left on a page
except the data people typed or the authority issued (names, addresses, scope, reasons, file names)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from approvals.models import Agency, Application, CertificateVersion, Deficiency, RuleSet, ScopeItem, StatusChange, User
from audit.models import AuditEntry
from documents.models import Document, DocumentRequirement, RenderedDocument
from tests.pages import client_for
from tests.test_no_raw_codes import histories, walk  # noqa: F401  (the fixture)
from workflows.models import Notification, Step

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]+")


def typed_data() -> list[str]:
    """Every text the product shows as it was entered or issued, longest first."""
    # Each language is named in its own language in the switch (简体中文), as browsers do.
    values: set[str] = {settings.CMA_AUTHORITY_NAME, "简体中文"}
    columns = [
        (Agency, ["name", "address", "legal_representative", "contact_name"]),
        (Application, ["test_sites", "authorised_signatories", "review_experts", "decision_reason"]),
        (ScopeItem, ["category", "item", "parameter", "standard", "limitation", "refusal_reason"]),
        (Deficiency, ["description", "response"]), (StatusChange, ["comment"]), (Step, ["comment"]),
        (Document, ["original_name"]), (RuleSet, ["name"]),
        (CertificateVersion, ["agency_name", "address", "test_sites", "issuing_authority", "signatories"]),
        (User, ["first_name", "last_name"]), (AuditEntry, ["summary", "actor_name"]),
        (Notification, ["title", "body"]),  # stored in the words of the moment they were sent
        (DocumentRequirement, ["description"]),  # catalogue data; the catalogue has English names, not descriptions
    ]
    for model, fields in columns:
        for row in model.objects.values_list(*fields):
            for value in row:
                if value:
                    values.update(str(value).splitlines())
                    values.add(str(value))
    values.update(rendered.filename for rendered in RenderedDocument.objects.all())
    return sorted((v.strip() for v in values if v.strip()), key=len, reverse=True)


def test_english_pages_leave_no_chinese_but_the_data(histories, applicant, acceptor, reviewer, approver, issuer,  # noqa: F811
                                                    monitor):
    certificate = histories[-1].certificate
    pages = [reverse("workflows:application_detail", args=[a.pk]) for a in histories]
    starts = {
        applicant: ["/", reverse("approvals:application_list"), reverse("approvals:application_create"), *pages,
                    *[reverse("documents:application", args=[a.pk]) for a in histories]],
        acceptor: ["/", reverse("workflows:claimable"), *pages[1:]],
        reviewer: ["/", reverse("workflows:inbox"), *pages[1:]],
        approver: ["/", reverse("workflows:claimable")],
        issuer: ["/", reverse("workflows:claimable")],
        None: ["/", reverse("documents:verify-lookup"), reverse("documents:verify", args=[certificate.number]),
               reverse("approvals:sign_up"), reverse("login")],
    }
    data = typed_data()
    found: dict[str, set[str]] = {}
    for user, start in starts.items():
        client = client_for(user) if user is not None else Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for url, visible in walk(client, start, limit=60).items():
            for value in data:
                visible = visible.replace(value, " ")
            left = set(CJK.findall(visible))
            if left:
                found.setdefault(url, set()).update(left)
    assert found == {}
