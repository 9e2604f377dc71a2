"""Shared by the tests that run a real Celery worker (marker ``celery``)."""

import os
import threading

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection


def forget_connections(app) -> None:
    """Celery caches its result backend and broker pool on first use, possibly for the eager set-up
    an earlier test ran under; make it connect afresh to what the configuration now says."""
    kombu.pools.reset()  # closes and forgets every pooled broker connection
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@pytest.fixture
def worker(settings, monkeypatch):
    """A real worker thread on the configured broker (Redis in CI) and the PostgreSQL test database."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL (a Redis broker; CI sets it)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the worker thread shares the test database")
    from project.celery import app

    # Close the worker thread's connection after each task, or the test database cannot be dropped.
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 0)  # put back afterwards
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=broker)
    forget_connections(app)
    app.control.purge()  # a message an earlier run left in this queue must not satisfy this test's waits
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
            yield app
    finally:
        app.conf.update(saved)
        forget_connections(app)


def waiting_for_effect(handler: str, count: int = 1) -> threading.Event:
    """An event set once the worker has finished ``count`` outbox deliveries of ``handler``
    (``event.disconnect()`` stops listening)."""
    from celery.signals import task_postrun

    done, seen = threading.Event(), []

    def finished(sender=None, args=None, **kwargs):
        if sender is None or not args:
            return
        if sender.name == "outbox.deliver" and args[0] == handler:
            seen.append(1)
        elif sender.name == "outbox.deliver_all":  # the effects of one transaction, in one message
            seen.extend(1 for effect_handler, _key in args[0] if effect_handler == handler)
        if len(seen) >= count:
            done.set()

    task_postrun.connect(finished, weak=False)
    done.disconnect = lambda: task_postrun.disconnect(finished)
    return done
