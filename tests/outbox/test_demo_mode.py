"""The default set-up (no broker: ``make run``) delivers through the same outbox: ``manage.py
run_worker`` keeps a file queue and runs beat, whose reconciler sends whatever the web process
scheduled but never delivered."""


import pytest
from django.db import connection

from documents.models import RenderedDocument
from metrics.models import ApplicationFacts
from outbox.models import Message
from tests.celery_helpers import forget_connections

from .processes import CeleryProcess, wait_until
from .test_failures import issue_over_the_api, ready_to_issue, the_one_pdf

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def lost_publishes(settings, monkeypatch):
    """This process publishes into memory nobody reads: as if the web process died right after
    each commit, before delivering anything."""
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: run_worker opens the test database itself")
    from project.celery import app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own setting
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 0)  # put back afterwards
    settings.CMA_OUTBOX_RETRY_SECONDS = 2
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    forget_connections(app)
    yield
    app.conf.update(saved)
    forget_connections(app)


def test_run_worker_delivers_what_the_web_process_never_did(lost_publishes, tmp_path, applicant, acceptor,
                                                             reviewer, approver, issuer):
    application = ready_to_issue(applicant, acceptor, reviewer, approver)
    issue_over_the_api(application, issuer)
    assert RenderedDocument.objects.filter(application=application, state="pending").count() == 3  # notices too
    assert Message.objects.pending().count() >= 4

    worker = CeleryProcess("run_worker", "", tmp_path / "run_worker.log", CELERY_FILESYSTEM_QUEUE=str(tmp_path / "q"))
    try:
        worker.wait_ready()
        wait_until(lambda: not Message.objects.pending().exists(), timeout=120,
                   what="run_worker to deliver every pending effect", every=0.2)
    finally:
        worker.stop()
    assert not RenderedDocument.objects.filter(application=application).exclude(state="ready").exists()
    the_one_pdf(application)
    assert ApplicationFacts.objects.get(application=application).outcome == "certified"
    assert "outbox: re-sending" in worker.output()
