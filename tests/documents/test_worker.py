"""A real Celery worker, through a real broker, renders the PDFs after the step's commit."""

import threading

import pytest
from celery.signals import task_postrun

from approvals.models import ApplicationStatus
from documents import tasks  # noqa: F401  (registers the task with the worker)
from documents.models import RenderedDocument
from tests.documents.helpers import pdf_of, reader
from tests.workflows.helpers import to_review

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_acceptance_notice_is_rendered_by_the_worker_after_commit(worker, draft, applicant, acceptor):
    done = threading.Event()

    def finished(sender=None, **kwargs):
        if sender is not None and sender.name == "documents.tasks.render_document":
            done.set()

    task_postrun.connect(finished, weak=False)
    try:
        to_review(draft, applicant, acceptor)  # each task completion commits on its own here
        assert draft.status == ApplicationStatus.ACCEPTED
        assert done.wait(timeout=60), "the worker did not render the notice"
    finally:
        task_postrun.disconnect(finished)
    notice = RenderedDocument.objects.get(application=draft, kind="acceptance_notice")
    assert notice.state == "ready" and notice.attempts == 1
    assert "受理通知书" in reader(pdf_of(notice)).pages[0].extract_text().replace(" ", "")
