"""The default set-up's worker: no broker configured, the queue lives in files, and it works."""

from datetime import datetime

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker

from tests.celery_helpers import forget_connections
from tests.timecontrol import SHANGHAI
from workflows import services, tasks
from workflows.management.commands import run_worker
from workflows.models import Notification


@pytest.fixture
def file_queue(settings, tmp_path, monkeypatch):
    from project.celery import app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own setting
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_FILESYSTEM_QUEUE = tmp_path / "celery"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options",
                                            "result_backend", "worker_concurrency")}
    forget_connections(app)
    yield app
    app.conf.update(saved)
    forget_connections(app)


def test_without_a_broker_the_worker_uses_a_file_queue(file_queue, settings):
    run_worker.configure(concurrency=1)
    assert file_queue.conf.broker_url == "filesystem://"
    assert file_queue.conf.task_always_eager is False
    assert (settings.CELERY_FILESYSTEM_QUEUE / "queue").is_dir()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_clock_check_runs_through_the_file_queue(file_queue, draft, applicant, acceptor):
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), tick=False):
        services.application_submit(application=draft, by=applicant)
    forget_connections(file_queue)  # the submission's messages ran eagerly: forget that set-up's backend
    run_worker.configure(concurrency=1)
    file_queue.conf.broker_transport_options["polling_interval"] = 0.1
    file_queue.conf.result_backend = "cache+memory://"  # results shared with the worker thread
    with start_worker(file_queue, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        with time_machine.travel(datetime(2026, 3, 5, 9, tzinfo=SHANGHAI), tick=True):
            counts = tasks.clocks_check.delay().get(timeout=30)
    assert counts["due_soon"] == 1
    assert Notification.objects.filter(user=acceptor, kind="due_soon").count() == 1
