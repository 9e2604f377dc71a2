"""Writes: create notifications, mark them read, send their e-mail (once)."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import outbox
from approvals.models import User

from ..models import ClockAlert, Notification, TextMessage
from . import sms

logger = logging.getLogger(__name__)


def notify(*, users: Iterable[User], title: str, body: str = "", url: str = "",
           kind: str = Notification.Kind.INFO, alert: ClockAlert | None = None, key: str = "") -> list[Notification]:
    """Give each user a notification; the e-mails go out after commit, one task per message.

    With a ``key`` a user who already has that key's message gets nothing new (insert-or-skip, so
    two runs at once cannot both send): the call is idempotent and returns only the new rows."""
    recipients = {user.pk: user for user in users if user.is_active}
    if key:
        have = set(Notification.objects.filter(key=key, user_id__in=recipients).values_list("user_id", flat=True))
        recipients = {pk: user for pk, user in recipients.items() if pk not in have}
    rows = [
        Notification(user=user, kind=kind, title=title[:200], body=body, url=url, alert=alert, key=key,
                     email_wanted=bool(user.email))
        for user in recipients.values()
    ]
    if key:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)  # pks unknown: read back what is ours
        rows = list(Notification.objects.filter(key=key, user_id__in=recipients, emailed_at__isnull=True))
    else:
        Notification.objects.bulk_create(rows)
    with outbox.batch():  # one statement for all the mails
        for row in rows:
            if row.email_wanted:
                outbox.schedule("notifications.email", row.pk)
    return rows


def email_pending(*, notification_id: int) -> bool:
    """Whether the notification still waits for its e-mail."""
    return Notification.objects.filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True,
                                       user__email__gt="").exists()


def email_send(*, notification_id: int) -> bool:
    """Mail one notification unless it was mailed already; True when sent now.

    The row is locked while mailing, so two workers cannot both send it; if the mail server fails
    nothing is marked and the task retries (at-least-once: a crash between sending and committing
    can repeat a mail, never lose one).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.user.email:
            return False
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{settings.SITE_URL}{notification.url}"
        send_mail(
            subject=f"{_('资质认定网上办理')}：{notification.title}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True


def text_message_send(*, message_id: int) -> bool:
    """Send one text message unless it was sent already; True when sent now (locked like e-mail:
    at-least-once, never twice from two workers at once). A refusal is recorded, then raised (retry)."""
    with transaction.atomic():
        message = (
            TextMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True).first()
        )
        if message is None:
            return False
        try:
            sms.backend().send(phone=message.phone, text=message.text)
        except (sms.SmsError, OSError) as error:
            failure = error
            message.error = str(error)[:300]
        else:
            failure = None
            message.sent_at = timezone.now()
        message.attempts += 1
        message.save(update_fields=["sent_at", "attempts", "error"])
    if failure is not None:
        raise failure
    return True


def notification_mark_read(*, notification_id: int, user: User) -> Notification:
    """Mark one of the user's notifications read (another user's raises ``Notification.DoesNotExist``)."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all of the user's notifications read; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
