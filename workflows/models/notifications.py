"""Reminders and escalations of the statutory clocks, and the in-app notifications they produce.

A ``ClockAlert`` records that one kind of alert went out for one step: the unique constraint on
(step, kind) is what makes the periodic job send each alert once however often, and on however
many workers, it runs. Each alert fans out to one ``Notification`` per recipient, which is shown in
the app and mailed after commit.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.choices import fast_choice_display

from .steps import Step


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期提醒")
    OVERDUE = "overdue", _("超期督办")


class ClockAlert(models.Model):
    """One alert of one kind about one step; exists at most once."""

    Kind = AlertKind

    step = models.ForeignKey(Step, verbose_name=_("办理环节"), on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("类型"), max_length=10, choices=AlertKind.choices)
    due_date = models.DateField(_("当时的办理期限"))
    created_at = models.DateTimeField(_("发出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("时限提醒记录")
        verbose_name_plural = _("时限提醒记录")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["step", "kind"], name="clock_alert_once")]

    def __str__(self) -> str:
        return f"{self.step} {self.get_kind_display()}"


@fast_choice_display
class Notification(models.Model):
    """An in-app message to one user (站内消息), also mailed when the user has an address."""

    class Kind(models.TextChoices):
        DUE_SOON = AlertKind.DUE_SOON.value, AlertKind.DUE_SOON.label
        OVERDUE = AlertKind.OVERDUE.value, AlertKind.OVERDUE.label
        INFO = "info", _("通知")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.INFO)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    alert = models.ForeignKey(
        ClockAlert, verbose_name=_("时限提醒"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Null until mailed; stays null for a user without an address (``email_wanted`` is then False).
    email_wanted = models.BooleanField(_("需发送邮件"), default=False)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # What the message is about, e.g. ``status:42:accept``: a user gets one message per key, however
    # often the sending runs (idempotency). Empty for messages that need no such guard.
    key = models.CharField(_("事件键"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_idx"),
            models.Index(fields=["user"], name="notification_unread_idx", condition=models.Q(read_at__isnull=True)),
            models.Index(
                fields=["created_at"], name="notification_unmailed_idx",
                condition=models.Q(email_wanted=True, emailed_at__isnull=True),
            ),
        ]
        constraints = [
            # A recipient gets one message per alert, even if two workers fan the same alert out.
            models.UniqueConstraint(fields=["alert", "user"], name="notification_once_per_alert"),
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key", condition=~models.Q(key="")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class TextMessage(models.Model):
    """A text message (短信) to an agency's contact phone, sent once through ``CMA_SMS_BACKEND``.

    The row is the message's outbox entry: written in the transaction of the event it tells, sent
    after commit, re-sent by the periodic check while unsent; ``key`` makes the event's message unique.
    """

    key = models.CharField(_("事件键"), max_length=100, unique=True)
    phone = models.CharField(_("手机号码"), max_length=30)
    text = models.CharField(_("内容"), max_length=500)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("最近错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_at"], name="sms_unsent_idx", condition=models.Q(sent_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:30]}"
