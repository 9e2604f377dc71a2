"""The flow's process and our own record of each step.

viewflow 2.4 never writes ``Task.assigned`` and sets ``Task.started`` only on completion, so each
human task gets a ``Step``: when it was entered, claimed, opened and finished, by whom, with which
outcome. The time metrics and the queues read Steps, which carry the indexes a due-date queue needs.

Each Step also carries its statutory clock (``workflows.clocks`` sets it): the limit in working
days, the day counting started, the working days carried over from before a clock stop, the due
date, and, once finished, the working days it used.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from approvals.choices import fast_choice_display
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


@fast_choice_display
class Step(models.Model):
    """One human task of a flow, as the applicant and the service centre see it."""

    class State(models.TextChoices):
        OPEN = "open", _("待认领")
        CLAIMED = "claimed", _("办理中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    class Clock(models.TextChoices):
        APPROVAL = "approval", _("审批时限")
        REVIEW = "review", _("技术评审时限（不计入审批时限）")
        APPLICANT = "applicant", _("申请机构答复期限（审批停止计时）")
        VERIFICATION = "verification", _("告知承诺核查期限（发证后，按月计）")

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

    # --- the statutory clock (working days on the calendar table) ---------------------------
    clock = models.CharField(_("计时类别"), max_length=12, choices=Clock.choices, blank=True)
    limit_days = models.PositiveSmallIntegerField(_("时限（工作日）"), null=True, blank=True)
    clock_started_on = models.DateField(_("起算日"), null=True, blank=True, help_text=_("起算日当天不计入。"))
    carried_days = models.PositiveSmallIntegerField(
        _("停止计时前已用（工作日）"), default=0,
        help_text=_("补正、整改前本环节已用的工作日，恢复计时后接续计算。"),
    )
    stopped_days = models.PositiveSmallIntegerField(
        _("停止计时（工作日）"), default=0, help_text=_("恢复计时前，等待申请机构补正或整改的工作日，不计入时限。")
    )
    # Null while the calendar lacks a year the deadline falls in: never guessed, filled in once loaded.
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    used_days = models.SmallIntegerField(_("本环节用时（工作日）"), null=True, blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["entered_at", "id"]
        # Queues are ordered by due date and paged by (due_date, id) keys. The indexes are partial:
        # at a million rows almost every step is done, and only the live ones are ever queued.
        indexes = [
            models.Index(
                fields=["permission", "due_date", "id"], name="step_queue_due_idx", condition=models.Q(state="open")
            ),
            models.Index(
                fields=["claimed_by", "due_date", "id"], name="step_inbox_due_idx", condition=models.Q(state="claimed")
            ),
            models.Index(
                fields=["agency", "due_date", "id"], name="step_agency_due_idx",
                condition=models.Q(state__in=["open", "claimed"]),
            ),
            # The periodic job scans live steps by due date.
            models.Index(
                fields=["due_date", "id"], name="step_live_due_idx", condition=models.Q(state__in=["open", "claimed"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.node}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.OPEN, self.State.CLAIMED)

    def due_status(self, on: date | None = None):
        """Due date, working days left, overdue and due-soon marks on ``on`` (default today)."""
        from workflows.clocks import due_status  # clocks needs the calendar, which needs these models

        return due_status(self, on=on)
