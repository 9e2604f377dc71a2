"""The flow's process and our own record of each step.

viewflow 2.4 never writes ``Task.assigned`` and sets ``Task.started`` only on completion, so each
human task gets a ``Step``: when it was entered, claimed, opened and finished, by whom, with which
outcome. The time metrics and the queues read Steps, which carry the indexes a due-date queue needs.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from approvals.models import Agency, Application


class ApplicationProcess(Process):
    """The running procedure of one application."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = _("办理流程实例")
        verbose_name_plural = _("办理流程实例")


class StepQuerySet(models.QuerySet):
    def active(self) -> "StepQuerySet":
        return self.filter(state__in=[Step.State.OPEN, Step.State.CLAIMED])


class Step(models.Model):
    """One human task of a flow, as the applicant and the service centre see it."""

    class State(models.TextChoices):
        OPEN = "open", _("待认领")
        CLAIMED = "claimed", _("办理中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="step")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    node = models.CharField(_("环节"), max_length=50)
    permission = models.CharField(_("所需权限"), max_length=100)
    # Set for the applicant's own tasks (supplement, rectification): only that agency may take them.
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    entered_at = models.DateTimeField(_("进入时间"))
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("首次查看时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("办理结果"), max_length=30, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["entered_at", "id"]
        indexes = [
            models.Index(fields=["permission", "state", "entered_at", "id"], name="step_queue_idx"),
            models.Index(fields=["claimed_by", "state", "entered_at", "id"], name="step_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.node}"
