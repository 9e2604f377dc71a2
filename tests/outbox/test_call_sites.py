"""The product's side effects go through the outbox: the issue step writes its certificate PDF and
facts as two rows in one statement; the PDF and the facts are made by the delivery."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import CertificateSignature, RenderedDocument
from metrics.models import ApplicationFacts
from outbox.models import Message
from prepared import readable
from tests.documents.helpers import pdf_of, reader
from tests.workflows.helpers import complete, to_decision

pytestmark = pytest.mark.django_db


def test_issuing_writes_its_effects_in_one_statement_and_the_delivery_renders(
        draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        to_decision(draft, applicant, acceptor, reviewer)
        complete(draft, "decide", approver, "approve", comment="符合条件")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        complete(draft, "issue", issuer, "issue")
    inserts = [readable(q["sql"]) for q in queries.captured_queries
               if readable(q["sql"]).startswith("INSERT") and '"outbox_message"' in readable(q["sql"])]
    assert len(inserts) == 1
    certificate = draft.certificate
    rendered = RenderedDocument.objects.get(application=draft, kind="certificate")
    pending = set(Message.objects.pending().values_list("handler", "key"))
    # the certificate's PDF, the facts, and the applicant to be told of the status change
    assert {("documents.render", str(rendered.pk)), ("metrics.facts", str(draft.pk))} < pending
    assert {handler for handler, _key in pending} == {"documents.render", "metrics.facts",
                                                        "notifications.status_change"}
    assert rendered.state == "pending"
    assert not ApplicationFacts.objects.filter(application=draft).exists()

    for callback in callbacks:  # the commit's publish, delivered in-process here
        callback()
    rendered.refresh_from_db()
    assert rendered.state == "ready" and rendered.attempts == 1
    assert certificate.number in reader(pdf_of(rendered)).pages[0].extract_text().replace(" ", "")
    assert CertificateSignature.objects.filter(version__certificate=certificate).count() == 1
    assert ApplicationFacts.objects.get(application=draft).outcome == "certified"
    # the status change was told; its mail and text are effects of their own, published on their commit
    assert set(Message.objects.pending().values_list("handler", flat=True)) == {"notifications.email",
                                                                                 "notifications.text"}


def test_a_notification_mail_is_an_effect_of_its_own(monitor, django_capture_on_commit_callbacks, mailoutbox):
    from workflows.notifications.services import notify

    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[monitor], title="测试")
    assert Message.objects.get().handler == "notifications.email" and Message.objects.get().done_at is not None
    assert [m.to for m in mailoutbox] == [[monitor.email]]
