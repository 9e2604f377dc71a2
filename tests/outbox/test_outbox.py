"""The outbox on its own: rows commit with the state change, each effect is delivered once, failures
back off and are re-sent by the reconciler, a broker that is down loses nothing."""

import time
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import outbox
from outbox import registry, services
from outbox.models import Message
from prepared import readable
from tests.timecontrol import at

pytestmark = pytest.mark.django_db

CALLS: list[str] = []
FAILURES: list[tuple[str, str]] = []


def record(key: str) -> None:
    CALLS.append(key)


def refuse(key: str) -> None:
    CALLS.append(key)
    raise OSError(f"printer on fire for {key}")


def note_failure(key: str, error: Exception) -> None:
    FAILURES.append((key, str(error)))


@pytest.fixture(autouse=True)
def handlers():
    CALLS.clear()
    FAILURES.clear()
    registry.register("test.record", record)
    registry.register("test.refuse", f"{__name__}.refuse", on_failure=f"{__name__}.note_failure")
    yield
    registry._HANDLERS.pop("test.record", None)
    registry._HANDLERS.pop("test.refuse", None)


def test_an_effect_is_delivered_after_commit_and_marked_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.schedule("test.record", 7)
            assert Message.objects.pending().filter(handler="test.record", key="7").exists()
            assert CALLS == []  # nothing before the commit
    assert CALLS == ["7"]
    assert Message.objects.get().done_at is not None


def test_a_rolled_back_state_change_leaves_no_effect(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValueError):
        with transaction.atomic():
            outbox.schedule("test.record", 1)
            raise ValueError("the step failed")
    assert callbacks == [] and CALLS == [] and not Message.objects.exists()


def test_a_batch_writes_its_effects_in_one_statement_once_each(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        with CaptureQueriesContext(connection) as queries, outbox.batch():
            outbox.schedule("test.record", 1)
            outbox.schedule("test.record", 2)
            outbox.schedule("test.record", 1)  # the same effect twice: one row
            assert not Message.objects.exists()  # nothing written before the batch ends
        sent = [readable(q["sql"]) for q in queries.captured_queries]
        inserts = [sql for sql in sent if sql.startswith("INSERT") and '"outbox_message"' in sql]
        assert len(inserts) == 1
        assert sorted(Message.objects.values_list("key", flat=True)) == ["1", "2"]
        outbox.schedule("test.record", 2)  # still waiting: not added again
        assert Message.objects.count() == 2


def test_a_transactions_effects_are_published_in_one_message_and_each_delivered(django_capture_on_commit_callbacks,
                                                                                  monkeypatch):
    from outbox import tasks

    published = []
    for task in (tasks.deliver, tasks.deliver_all):
        monkeypatch.setattr(task, "apply_async", lambda args, task=task, **kw: published.append(task.name) or task(*args))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), outbox.batch():
        outbox.schedule("test.record", 1)
        outbox.schedule("test.refuse", 2)  # fails: recorded on its row, the next still delivered
        outbox.schedule("test.record", 3)
    assert published == ["outbox.deliver_all"]
    assert CALLS == ["1", "2", "3"]
    assert sorted(Message.objects.filter(done_at__isnull=False).values_list("key", flat=True)) == ["1", "3"]
    assert Message.objects.get(key="2").attempts == 1
    published.clear()
    services.reconcile(now=Message.objects.get(key="2").due_at)  # the catch-up sends each on its own
    assert published == ["outbox.deliver"]


def test_a_second_delivery_of_a_done_effect_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.schedule("test.record", 3)
    assert services.deliver(handler="test.record", key="3") is False
    assert CALLS == ["3"]
    with django_capture_on_commit_callbacks(execute=True):  # done: the same effect may be scheduled anew
        outbox.schedule("test.record", 3)
    assert CALLS == ["3", "3"] and Message.objects.filter(done_at__isnull=False).count() == 2


def test_a_failure_backs_off_and_the_reconciler_sends_it_again(django_capture_on_commit_callbacks, settings):
    settings.CMA_OUTBOX_RETRY_SECONDS = 60
    with at(date(2026, 3, 2), 9, 0), django_capture_on_commit_callbacks(execute=True):
        outbox.schedule("test.refuse", 5)
    message = Message.objects.get()
    assert message.attempts == 1 and "printer on fire for 5" in message.last_error and message.done_at is None
    assert FAILURES == [("5", "printer on fire for 5")]  # the handler's own record of the failure

    def reconcile(minute: int, second: int = 0) -> int:
        with at(date(2026, 3, 2), 9, minute), django_capture_on_commit_callbacks(execute=True):
            return services.reconcile()

    assert reconcile(1) == 0  # one failure: twice the delay (2 minutes)
    registry.register("test.refuse", record)  # mended
    assert reconcile(2) == 1
    assert Message.objects.get().done_at is not None and CALLS == ["5", "5"]
    assert reconcile(30) == 0


def test_an_effect_that_keeps_failing_waits_for_the_admin(django_capture_on_commit_callbacks, settings, admin_client):
    settings.CMA_OUTBOX_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        outbox.schedule("test.refuse", 9)
        Message.objects.update(due_at=Message.objects.get().created_at)
        services.reconcile()
    assert Message.objects.get().attempts == 2
    Message.objects.update(due_at=Message.objects.get().created_at)
    assert services.reconcile() == 0  # given up: listed in the admin instead
    response = admin_client.get("/admin/outbox/message/?state=failed")
    assert response.status_code == 200 and "test.refuse" in response.content.decode()
    registry.register("test.refuse", record)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/outbox/message/", {
            "action": "retry", "_selected_action": [Message.objects.get().pk]})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.done_at is not None and message.attempts == 0


def test_an_unknown_handler_is_recorded_not_lost(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.schedule("test.nobody", 1)
    message = Message.objects.get()
    assert message.done_at is None and message.attempts == 1 and "test.nobody" in message.last_error


def test_a_broker_that_is_down_fails_fast_and_keeps_the_row(settings, monkeypatch):
    """A refused connection is not waited for (the request answers), and nothing is lost."""
    from project.celery import app
    from tests.celery_helpers import forget_connections

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own setting
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    forget_connections(app)
    try:
        with transaction.atomic():
            outbox.schedule("test.record", 11)
        started = time.monotonic()
        assert services.dispatch([("test.record", "11")]) == 0
        assert time.monotonic() - started < 10
    finally:
        app.conf.update(saved)
        forget_connections(app)
    assert CALLS == [] and Message.objects.pending().filter(key="11").exists()


def test_a_publish_carries_the_effects_and_their_plain_repr_for_the_log(monkeypatch):
    """The message the worker gets: the effects as arguments, and for the worker's log their repr
    as given (``argsrepr``), not one Celery would compute again with its slower safe repr."""
    from project.celery import app
    from tests.celery_helpers import forget_connections

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own setting
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    forget_connections(app)
    try:
        assert services.dispatch([("test.record", "21"), ("test.record", "22")], together=True) == 2
        assert services.dispatch([("test.record", "23")]) == 1
        with app.connection_for_read() as broker:
            queue = broker.SimpleQueue(app.conf.task_default_queue)
            messages = [queue.get(timeout=5) for _ in range(2)]
            queue.close()
    finally:
        app.conf.update(saved)
        forget_connections(app)
    together, alone = messages
    assert together.headers["task"] == "outbox.deliver_all" and together.payload[0] == (
        [[["test.record", "21"], ["test.record", "22"]]])
    assert together.headers["argsrepr"] == "([['test.record', '21'], ['test.record', '22']],)"
    assert alone.headers["task"] == "outbox.deliver" and alone.payload[0] == ["test.record", "23"]
    assert alone.headers["argsrepr"] == "('test.record', '23')" and alone.headers["kwargsrepr"] == "{}"
