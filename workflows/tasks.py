"""Celery tasks of the orchestration layer: thin adapters that take ids and retry.

``clocks_check`` is the periodic job (registered in ``CELERY_BEAT_SCHEDULE``); the others run after
commit. All are idempotent: running one twice changes nothing the first run did not.
"""

import logging
from datetime import date
from smtplib import SMTPException

from celery import shared_task
from celery.signals import beat_init

from . import clocks, lapses, reminders
from .notifications import services as notifications
from .notifications.sms import SmsError

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def clocks_check() -> dict[str, int]:
    """Reminders before due dates, escalation of overdue tasks, due dates the calendar now allows."""
    counts = reminders.clocks_check()
    logger.info("statutory clocks checked: %s", counts)
    return counts


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def due_dates_refresh(start: str, end: str) -> int:
    """Recompute open deadlines after the calendar of [start, end] changed."""
    return clocks.due_dates_refresh(start=date.fromisoformat(start), end=date.fromisoformat(end))


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_backoff_max=3600, max_retries=8)
def notification_email_send(notification_id: int) -> bool:
    """Mail one notification (once)."""
    return notifications.email_send(notification_id=notification_id)


@shared_task(autoretry_for=(SmsError, OSError), retry_backoff=True, retry_backoff_max=3600, max_retries=8)
def text_message_send(message_id: int) -> bool:
    """Send one text message (once)."""
    return notifications.text_message_send(message_id=message_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def clocks_tick() -> dict[str, int]:
    """The legal effects of the clocks due today (idempotent: see ``workflows.lapses``)."""
    return lapses.clocks_tick(on=clocks.today())


def email_effect(key: str) -> None:
    """Outbox handler ``notifications.email`` (key: the notification id)."""
    if not notifications.email_send(notification_id=int(key)) and notifications.email_pending(notification_id=int(key)):
        raise RuntimeError("being mailed by another worker; tried again later")  # never marked done unsent


def due_dates_effect(key: str) -> None:
    """Outbox handler ``calendar.due_dates`` (key: ``start/end`` ISO dates of the edited span)."""
    start, end = key.split("/")
    clocks.due_dates_refresh(start=date.fromisoformat(start), end=date.fromisoformat(end))


@beat_init.connect
def check_when_beat_starts(sender=None, **kwargs) -> None:
    """Catch up at once after downtime instead of one full interval later (beat counts the
    interval from its start)."""
    clocks_check.apply_async(expires=600)
