"""A real Celery worker, through a real broker, renders the PDFs after the step's commit."""

import os
import threading

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection

from approvals.models import ApplicationStatus
from documents import tasks  # noqa: F401  (registers the task with the worker)
from documents.models import RenderedDocument
from tests.documents.helpers import pdf_of, reader
from tests.workflows.helpers import to_review

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(settings):
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL (a Redis broker; CI sets it)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the worker thread shares the test database")
    from project.celery import app

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0  # the worker thread's connection closes after each task
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=broker, task_always_eager=False, result_backend=None)
    _forget_connections(app)  # pools made for an earlier set-up would still publish to the old broker
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
            yield app
    finally:
        app.conf.update(previous)
        _forget_connections(app)


def _forget_connections(app) -> None:
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


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
