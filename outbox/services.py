"""Writes of the outbox: schedule side effects in a transaction, deliver them, reconcile the rest.

Delivery is at least once: the publish after commit, the reconciler and a broker's redelivery may
all send the same row, and a worker may die half-way. Each handler is idempotent, and on
PostgreSQL a delivery holds a session advisory lock on its row, so two deliveries of one effect
never run at once; the lock goes with the connection when a worker dies.
"""

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from writebehind import insert_rows, later

from . import registry
from .models import Message

logger = logging.getLogger(__name__)

Effect = tuple[str, str]
_LOCK_SPACE = 74_210  # first key of the two-key advisory lock: this app's own lock space
_local = threading.local()


def retry_after() -> timedelta:
    """How long a scheduled effect may take before the reconciler publishes it again."""
    return timedelta(seconds=float(getattr(settings, "CMA_OUTBOX_RETRY_SECONDS", 60)))


def max_attempts() -> int:
    return int(getattr(settings, "CMA_OUTBOX_MAX_ATTEMPTS", 12))


def _backoff(attempts: int) -> timedelta:
    """After a failure: twice as long each time, at most an hour."""
    return min(retry_after() * 2 ** max(attempts, 0), timedelta(hours=1))


# --- scheduling -------------------------------------------------------------------------------
def schedule(handler: str, key: object) -> None:
    """Inside the state change's transaction: deliver ``handler(key)`` once it commits.

    Inside ``batch()`` the row is written with the batch's other rows in one statement.
    """
    effect = (handler, str(key))
    stack = getattr(_local, "batches", None)
    if stack:
        stack[-1].append(effect)
    else:
        _write([effect])


@contextmanager
def batch() -> Iterator[None]:
    """Collect the effects scheduled inside the block and write them in one INSERT at its end
    (still inside the caller's transaction). An exception discards them with the transaction."""
    stack = _local.__dict__.setdefault("batches", [])
    stack.append([])
    try:
        yield
    except BaseException:
        stack.pop()
        raise
    effects = stack.pop()
    if not effects:
        return
    if stack:
        stack[-1].extend(effects)
    else:
        _write(effects)


def _write(effects: list[Effect]) -> None:
    effects = list(dict.fromkeys(effects))  # one row per effect, in order
    now = timezone.now()
    due = now + retry_after()
    # ON CONFLICT DO NOTHING: an effect already waiting (the partial unique constraint) is not added
    # twice. Nothing reads the rows back in the transaction: the insert travels with the next
    # statement inside a task completion (writebehind).
    sql, params = insert_rows([Message(handler=handler, key=key, created_at=now, due_at=due) for handler, key in effects])
    later(f"{sql} ON CONFLICT DO NOTHING", params)
    transaction.on_commit(lambda: dispatch(effects, together=True), robust=True)


# --- publishing -------------------------------------------------------------------------------
def dispatch(effects: Iterable[Effect], *, together: bool = False) -> int:
    """Publish the deliveries to the worker (run in-process where Celery runs eagerly).

    ``together``: the effects of one transaction go in one message (one publish after a task
    completion, not one per effect); the reconciler's catch-up sends each on its own, so a backlog
    spreads over the workers. A broker that refuses is not waited for: the rows stay pending and the
    reconciler publishes them later. Returns how many were published.
    """
    from .tasks import deliver, deliver_all  # tasks import this module

    effects = list(effects)
    if together and len(effects) > 1:
        try:
            args = ([list(effect) for effect in effects],)
            # The log's repr of the arguments given, not Celery's safe repr of them: a quarter of a publish.
            deliver_all.apply_async(args, retry=False, argsrepr=repr(args)[:1024], kwargsrepr="{}")
        except Exception as error:  # broker down: the reconciler catches up
            logger.warning("outbox: could not publish %s side effects (%s: %s); the reconciler will send them",
                           len(effects), type(error).__name__, error)
            return 0
        return len(effects)
    sent = 0
    for handler, key in effects:
        try:
            deliver.apply_async((handler, key), retry=False, argsrepr=repr((handler, key)), kwargsrepr="{}")
        except Exception as error:  # broker down: the reconciler catches up; the rest would fail too
            logger.warning("outbox: could not publish %s:%s (%s: %s); the reconciler will send it",
                           handler, key, type(error).__name__, error)
            break
        sent += 1
    return sent


# --- delivering -------------------------------------------------------------------------------
@contextmanager
def _exclusive(message_id: int) -> Iterator[bool]:
    """True when this connection holds the row's delivery lock (always true off PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield True
        return
    lock = [_LOCK_SPACE, message_id % 2_147_483_647]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", lock)
        mine = bool(cursor.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
            except Exception:  # a broken connection has released it already
                logger.warning("outbox: could not release the lock of message %s", message_id, exc_info=True)


def deliver(*, handler: str, key: str) -> bool:
    """Run the pending effect (handler, key) once; True when this call did it.

    Nothing pending (done already) or another delivery running it: nothing happens. A failure is
    recorded on the row with a back-off and the reconciler sends it again later.
    """
    message = Message.objects.pending().filter(handler=handler, key=key).only("pk", "attempts").first()
    if message is None:
        return False
    with _exclusive(message.pk) as mine:
        if not mine or not Message.objects.pending().filter(pk=message.pk).exists():
            return False
        logger.info("outbox: delivering %s:%s", handler, key)
        try:
            run = registry.handler(handler)
            if connection.in_atomic_block:  # run eagerly inside a caller's transaction: keep it usable
                with transaction.atomic():
                    run(key)
            else:
                run(key)
        except Exception as error:
            _failed(message, handler, key, error)
            return False
        Message.objects.filter(pk=message.pk).update(done_at=timezone.now())
        return True


def _failed(message: Message, handler: str, key: str, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    logger.error("outbox: %s:%s failed (attempt %s): %s", handler, key, message.attempts + 1, text,
                 exc_info=error)
    Message.objects.pending().filter(pk=message.pk).update(
        attempts=F("attempts") + 1, last_error=text, due_at=timezone.now() + _backoff(message.attempts + 1)
    )
    try:
        hook = registry.failure_hook(handler)
        if hook is not None:
            hook(key, error)
    except Exception:
        logger.exception("outbox: the failure hook of %s failed", handler)


# --- reconciling ------------------------------------------------------------------------------
def reconcile(*, now: datetime | None = None, limit: int = 500) -> int:
    """The periodic job: publish again every pending effect that is due (not done a while after it
    was scheduled or last sent); forget done rows after ``CMA_OUTBOX_KEEP_DAYS``. Returns how many
    it sent."""
    now = now or timezone.now()
    rows = list(
        Message.objects.pending().filter(due_at__lte=now, attempts__lt=max_attempts())
        .order_by("due_at").values_list("pk", "handler", "key")[:limit]
    )
    if rows:
        # Moved first, so a publish that takes long or fails is not sent again at the next tick.
        Message.objects.filter(pk__in=[pk for pk, _h, _k in rows]).update(due_at=now + retry_after())
        logger.info("outbox: re-sending %s pending side effects", len(rows))
        dispatch([(handler, key) for _pk, handler, key in rows])
    keep = timedelta(days=float(getattr(settings, "CMA_OUTBOX_KEEP_DAYS", 7)))
    Message.objects.filter(done_at__lt=now - keep).delete()
    return len(rows)


def message_retry(*, message_id: int) -> None:
    """Send a given-up (or any pending) effect again now, its failure count reset (the admin's action)."""
    updated = Message.objects.pending().filter(pk=message_id).update(attempts=0, due_at=timezone.now())
    if updated:
        row = Message.objects.values_list("handler", "key").get(pk=message_id)
        transaction.on_commit(lambda: dispatch([row]), robust=True)
