"""The product's side effects go through the outbox: the issue step writes its certificate PDF and
facts as two rows in one statement; the PDF and the facts are made by the delivery."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import CertificateSignature, RenderedDocument
from metrics.models import ApplicationFacts
from outbox.models import Message
from tests.documents.helpers import pdf_of, reader
from tests.workflows.helpers import complete, to_decision

pytestmark = pytest.mark.django_db


def test_issuing_writes_two_effects_in_one_statement_and_the_delivery_renders(
        draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        to_decision(draft, applicant, acceptor, reviewer)
        complete(draft, "decide", approver, "approve", comment="符合条件")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        complete(draft, "issue", issuer, "issue")
    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and '"outbox_message"' in q["sql"]]
    assert len(inserts) == 1
    certificate = draft.certificate
    rendered = RenderedDocument.objects.get(application=draft, kind="certificate")
    assert set(Message.objects.pending().values_list("handler", "key")) == {
        ("documents.render", str(rendered.pk)), ("metrics.facts", str(draft.pk))}
    assert rendered.state == "pending"
    assert not ApplicationFacts.objects.filter(application=draft).exists()

    for callback in callbacks:  # the commit's publish, delivered in-process here
        callback()
    rendered.refresh_from_db()
    assert rendered.state == "ready" and rendered.attempts == 1
    assert certificate.number in reader(pdf_of(rendered)).pages[0].extract_text().replace(" ", "")
    assert CertificateSignature.objects.filter(version__certificate=certificate).count() == 1
    assert ApplicationFacts.objects.get(application=draft).outcome == "certified"
    assert not Message.objects.pending().exists()


def test_a_notification_mail_is_an_effect_of_its_own(monitor, django_capture_on_commit_callbacks, mailoutbox):
    from workflows.notifications.services import notify

    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[monitor], title="测试")
    assert Message.objects.get().handler == "notifications.email" and Message.objects.get().done_at is not None
    assert [m.to for m in mailoutbox] == [[monitor.email]]
