"""A reform simulation run in the background, with progress, like the exports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReformSimulation(models.Model):
    """改革模拟: a drafted rule set replayed over a period's recorded history."""

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE,
                                     related_name="+")
    proposal = models.JSONField(_("改革方案"))
    since = models.DateField(_("办结日期自"), null=True, blank=True)
    until = models.DateField(_("办结日期至"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    rows_total = models.PositiveIntegerField(_("申请件数"), default=0)
    rows_done = models.PositiveIntegerField(_("已重放件数"), default=0)
    result = models.JSONField(_("结果"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        app_label = "metrics"
        verbose_name = _("改革模拟")
        verbose_name_plural = _("改革模拟")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{_('改革模拟')} #{self.pk}"

    @property
    def progress_pct(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.rows_done * 100 / self.rows_total) if self.rows_total else 0

    @property
    def working(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RUNNING)
