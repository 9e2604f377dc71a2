"""A real Celery worker, through a real broker, renders the PDFs after the step's commit."""

import pytest

from approvals.models import ApplicationStatus
from documents.models import RenderedDocument
from outbox import tasks  # noqa: F401  (registers the task with the worker)
from tests.celery_helpers import waiting_for_effect
from tests.documents.helpers import pdf_of, reader
from tests.workflows.helpers import to_review

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_acceptance_notice_is_rendered_by_the_worker_after_commit(worker, draft, applicant, acceptor):
    done = waiting_for_effect("documents.render")
    try:
        to_review(draft, applicant, acceptor)  # each task completion commits on its own here
        assert draft.status == ApplicationStatus.ACCEPTED
        assert done.wait(timeout=60), "the worker did not render the notice"
    finally:
        done.disconnect()
    notice = RenderedDocument.objects.get(application=draft, kind="acceptance_notice")
    assert notice.state == "ready" and notice.attempts == 1
    assert "受理通知书" in reader(pdf_of(notice)).pages[0].extract_text().replace(" ", "")
