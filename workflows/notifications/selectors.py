"""Reads: a user's notifications, newest first, and the unread count."""

from django.db.models import QuerySet

from approvals.models import User

from ..models import Notification


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet:
    """The user's notifications, newest first (one query per page)."""
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-id")


def unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread (a partial index makes this cheap)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
