"""A real Celery worker, through a real broker, renders the PDFs after the step's commit."""

import os
import threading

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from approvals.models import ApplicationStatus
from documents import tasks  # noqa: F401  (registers the task with the worker)
from documents.models import RenderedDocument
from tests.documents.helpers import pdf_of, reader
from tests.workflows.helpers import to_review

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker():
    from project.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no broker at {broker}")
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=broker, task_always_eager=False, result_backend=None)
    _drop_connections(app)  # a producer pool made earlier would still publish to the old broker
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(previous)
        _drop_connections(app)


def _drop_connections(app) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


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
