from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageQuerySet(models.QuerySet):
    def pending(self) -> "MessageQuerySet":
        return self.filter(done_at__isnull=True)


class Message(models.Model):
    """One side effect to deliver once its transaction has committed (a PDF, facts, an e-mail).

    At most one pending row per (handler, key): scheduling the same effect again while it waits
    adds nothing. ``due_at`` is when the reconciler may publish it (again).
    """

    handler = models.CharField(_("处理程序"), max_length=100)
    key = models.CharField(_("对象"), max_length=200)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    due_at = models.DateTimeField(_("下次发送时间"))
    attempts = models.PositiveIntegerField(_("失败次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("待办后台任务")
        verbose_name_plural = _("待办后台任务")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["handler", "key"], condition=Q(done_at__isnull=True),
                                    name="outbox_one_pending_per_effect"),
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(done_at__isnull=True), name="outbox_pending_due")]

    def __str__(self) -> str:
        return f"{self.handler}:{self.key}"
