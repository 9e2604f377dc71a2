"""Per-application facts of the five reductions (五减), and the exports of them.

A fact row is written when an application ends (refused, denied, certified, withdrawn) and can be
rewritten at any time from the records it summarises (steps, deficiencies, documents, rule sets):
it is a cache of figures, never a source of truth. Every ``*_baseline`` column holds what the same
history would have cost under the baseline rule set (the 2015 rules), so an aggregate is a plain
sum over one table.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.models import Application, ApplicationStatus, ApplicationTrack, ApplicationType, RuleSet
from approvals.models.applications import FINAL_STATES as ENDED

# The flow's human steps, in the order the dashboard shows them. Each has a working-days column
# and a late flag on the fact row.
NODES = ("accept", "supplement", "review", "rectification", "decide", "issue")
NODE_LABELS = {
    "accept": _("受理"),
    "supplement": _("补正（申请机构）"),
    "review": _("技术评审"),
    "rectification": _("整改（申请机构）"),
    "decide": _("审批决定"),
    "issue": _("发证"),
}
ENDED_STATES = list(ENDED)  # the states the flow's hook reports


class ApplicationFacts(models.Model):
    """一件申请的五减指标: what one ended application cost, against the baseline rules."""

    application = models.OneToOneField(
        Application, verbose_name=_("申请"), primary_key=True, on_delete=models.CASCADE, related_name="facts"
    )
    # --- dimensions -------------------------------------------------------------------------
    application_type = models.CharField(_("申请类型"), max_length=20, choices=ApplicationType.choices)
    track = models.CharField(_("程序"), max_length=20, choices=ApplicationTrack.choices)
    authority = models.CharField(_("发证机关"), max_length=100)
    outcome = models.CharField(_("办理结果"), max_length=30, choices=ApplicationStatus.choices)
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("适用规则集"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    ended_at = models.DateTimeField(_("办结时间"))
    ended_on = models.DateField(_("办结日期"))
    ended_month = models.DateField(_("办结月份"), help_text=_("办结当月1日，用于按月统计。"))

    # --- 减程序: approval items and in-person visits ----------------------------------------
    procedures = models.PositiveSmallIntegerField(_("审批事项数"))
    procedures_baseline = models.PositiveSmallIntegerField(_("审批事项数（基线）"))
    visits = models.PositiveSmallIntegerField(_("跑动次数"))
    visits_baseline = models.PositiveSmallIntegerField(_("跑动次数（基线）"))

    # --- 减环节: steps traversed, rework loops included ---------------------------------------
    steps = models.PositiveSmallIntegerField(_("经历环节数"), help_text=_("申请 + 已完成的办理环节，含补正、整改往返。"))
    steps_baseline = models.PositiveSmallIntegerField(
        _("环节数（基线，同一路径）"), help_text=_("同一办理路径（相同补正、整改往返）按基线规则应经历的环节数。")
    )
    steps_structural = models.PositiveSmallIntegerField(
        _("结构环节数"), default=0, help_text=_("申请 + 经历的不同办理环节，不含往返。")
    )
    steps_structural_baseline = models.PositiveSmallIntegerField(
        _("结构环节数（基线）"), default=0, help_text=_("基线规则到同一办理进度的环节数。")
    )
    rework_loops = models.PositiveSmallIntegerField(_("补正、整改往返次数"))

    # --- 减时间: working days ------------------------------------------------------------------
    days_elapsed = models.PositiveSmallIntegerField(_("总用时（工作日）"), help_text=_("提交至办结，含停止计时。"))
    days_counted = models.PositiveSmallIntegerField(
        _("计时用时（工作日）"), help_text=_("审批与技术评审用时，不含补正、整改停止计时。")
    )
    days_approval = models.PositiveSmallIntegerField(_("审批时限内用时（工作日）"), help_text=_("受理、审批决定、发证。"))
    days_review = models.PositiveSmallIntegerField(_("技术评审用时（工作日）"), help_text=_("不计入审批时限。"))
    days_stopped = models.PositiveSmallIntegerField(_("停止计时（工作日）"), help_text=_("等待申请机构补正、整改。"))
    days_baseline = models.PositiveSmallIntegerField(
        _("法定时限（基线，工作日）"), help_text=_("同一办理路径按基线规则的各环节法定时限之和。")
    )
    days_limit = models.PositiveSmallIntegerField(_("法定时限（现行，工作日）"))
    days_promise = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), null=True, blank=True)
    on_time = models.BooleanField(_("按时办结"), help_text=_("各办理环节均未超过法定时限。"))
    late_steps = models.PositiveSmallIntegerField(_("超时环节数"))

    # --- working days and lateness per step (rework loops summed; a step never entered is null) -
    accept_days = models.SmallIntegerField(_("受理用时（工作日）"), null=True, blank=True)
    accept_late = models.BooleanField(_("受理超时"), null=True, blank=True)
    supplement_days = models.SmallIntegerField(_("补正用时（工作日）"), null=True, blank=True)
    supplement_late = models.BooleanField(_("补正超期"), null=True, blank=True)
    review_days = models.SmallIntegerField(_("技术评审用时（工作日）"), null=True, blank=True)
    review_late = models.BooleanField(_("技术评审超时"), null=True, blank=True)
    rectification_days = models.SmallIntegerField(_("整改用时（工作日）"), null=True, blank=True)
    rectification_late = models.BooleanField(_("整改超期"), null=True, blank=True)
    decide_days = models.SmallIntegerField(_("审批决定用时（工作日）"), null=True, blank=True)
    decide_late = models.BooleanField(_("审批决定超时"), null=True, blank=True)
    issue_days = models.SmallIntegerField(_("发证用时（工作日）"), null=True, blank=True)
    issue_late = models.BooleanField(_("发证超时"), null=True, blank=True)

    # --- 减收费 --------------------------------------------------------------------------------
    fee_yuan = models.DecimalField(_("收费（元）"), max_digits=10, decimal_places=2)
    fee_baseline_yuan = models.DecimalField(_("收费（基线，元）"), max_digits=10, decimal_places=2)

    # --- 减申请材料 ----------------------------------------------------------------------------
    documents_required = models.PositiveSmallIntegerField(_("目录要求材料数"))
    documents_shared = models.PositiveSmallIntegerField(_("数据共享免提交材料数"))
    documents_reused = models.PositiveSmallIntegerField(_("复用材料数"))
    documents_uploaded = models.PositiveSmallIntegerField(
        _("实际提交材料数"), help_text=_("申请机构新提交的材料种数（按目录要求计，一种材料多个文件计一种），不含复用和数据共享。")
    )
    documents_files = models.PositiveSmallIntegerField(_("上传文件数"), default=0, help_text=_("含补正时重新上传的文件。"))
    documents_baseline = models.PositiveSmallIntegerField(
        _("要求材料数（基线）"), help_text=_("基线目录对同一申请类型要求申请机构提交的材料种数。")
    )
    supplement_rounds = models.PositiveSmallIntegerField(_("补正轮次"))
    rectification_rounds = models.PositiveSmallIntegerField(_("整改轮次"))

    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("申请五减指标")
        verbose_name_plural = _("申请五减指标")
        ordering = ["-ended_at"]
        indexes = [
            models.Index(fields=["ended_on"], name="facts_ended_idx"),
            models.Index(fields=["application_type", "track", "ended_on"], name="facts_type_track_idx"),
            # a roll-up group's rows, and a period's edge days read for the distribution of time
            models.Index(fields=["ended_month", "application_type", "track", "outcome"], name="facts_month_group_idx"),
            models.Index(fields=["ended_on", "days_counted"], name="facts_day_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_outcome_display()}"

    def node_days(self) -> dict[str, int | None]:
        return {node: getattr(self, f"{node}_days") for node in NODES}

    def node_late(self) -> dict[str, bool | None]:
        return {node: getattr(self, f"{node}_late") for node in NODES}


class MetricsExport(models.Model):
    """An export of facts or aggregates to CSV or XLSX, built by a Celery task with progress."""

    class Kind(models.TextChoices):
        FACTS = "facts", _("逐件指标")
        AGGREGATES = "aggregates", _("汇总指标")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请导出人"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("内容"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("格式"), max_length=10, choices=Format.choices)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已完成行数"), default=0)
    file = models.CharField(_("文件"), max_length=200, blank=True, help_text=_("相对于文件存储根目录的路径。"))
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("指标导出")
        verbose_name_plural = _("指标导出")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_format_display()} #{self.pk}"

    @property
    def progress_pct(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.rows_done * 100 / self.rows_total) if self.rows_total else 0

    @property
    def filename(self) -> str:
        stamp = self.created.strftime("%Y%m%d-%H%M") if self.created else ""
        return f"五减{self.get_kind_display()}-{stamp}-{self.pk}.{self.format}"


# --- roll-ups: the facts added up per day and dimension, so the dashboard reads a bounded table --------
ROLLUP_DIMENSIONS = ("ended_on", "ended_month", "authority", "application_type", "track", "outcome", "rule_set_id")
# Fact columns summed per group (the dashboard's means are these sums over the group's count).
SUMMED = (
    "procedures", "procedures_baseline", "visits", "visits_baseline", "steps", "steps_baseline", "steps_structural",
    "steps_structural_baseline", "rework_loops",
    "days_elapsed", "days_counted", "days_approval", "days_review", "days_stopped", "days_baseline", "days_limit",
    "fee_yuan", "fee_baseline_yuan", "documents_required", "documents_shared", "documents_reused",
    "documents_uploaded", "documents_files", "documents_baseline", "supplement_rounds", "rectification_rounds",
)
# Counts and sums beside SUMMED: on time, a promise's figures, each step's days, count and lateness.
COUNTED = ("n", "on_time_n", "promise_n", *(f"{node}_{part}" for node in NODES for part in ("n", "late_n")))
EXTRA_SUMS = ("sum_days_promise", "sum_days_counted_promised", *(f"{node}_sum" for node in NODES))


class _Dimensions(models.Model):
    authority = models.CharField(_("发证机关"), max_length=100)
    application_type = models.CharField(_("申请类型"), max_length=20, choices=ApplicationType.choices)
    track = models.CharField(_("程序"), max_length=20, choices=ApplicationTrack.choices)
    outcome = models.CharField(_("办理结果"), max_length=30, choices=ApplicationStatus.choices)
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("适用规则集"), on_delete=models.PROTECT, related_name="+")
    ended_month = models.DateField(_("办结月份"))

    class Meta:
        abstract = True


class DailyFacts(_Dimensions):
    """每日五减汇总: the facts of one day and one (authority, type, track, outcome, rule set), added up.

    Rewritten from the fact rows of its group whenever one of them is written (``rollups``), so it
    never drifts; ``manage.py recompute_facts`` rebuilds the whole table. Its size is bounded by days ×
    dimensions, not by applications: the dashboard stays flat as the facts grow."""

    ended_on = models.DateField(_("办结日期"))

    class Meta:
        verbose_name = _("每日五减汇总")
        verbose_name_plural = _("每日五减汇总")
        constraints = [models.UniqueConstraint(
            fields=["ended_on", "authority", "application_type", "track", "outcome", "rule_set"], name="daily_facts_key",
        )]
        indexes = [models.Index(fields=["application_type", "track", "ended_on"], name="daily_type_track_idx")]

    def __str__(self) -> str:
        return f"{self.ended_on} {self.application_type}/{self.track}/{self.outcome}: {self.n}"


class MonthlyFacts(_Dimensions):
    """每月五减汇总: the facts of one month and group added up, with the distribution of counted time
    (what the median and the 90th percentile are read from). A period of whole months reads only
    these rows; the days of a month it cuts through come from ``DailyFacts``."""

    histogram = models.JSONField(_("用时分布"), default=dict, help_text=_("计时用时（工作日）→ 件数。"))

    class Meta:
        verbose_name = _("每月五减汇总")
        verbose_name_plural = _("每月五减汇总")
        constraints = [models.UniqueConstraint(
            fields=["ended_month", "authority", "application_type", "track", "outcome", "rule_set"],
            name="monthly_facts_key",
        )]

    def __str__(self) -> str:
        return f"{self.ended_month:%Y-%m} {self.application_type}/{self.track}/{self.outcome}: {self.n}"


for _model in (DailyFacts, MonthlyFacts):
    for _name in COUNTED:
        _model.add_to_class(_name, models.PositiveIntegerField(default=0))
    for _name in (*(f"sum_{name}" for name in SUMMED), *EXTRA_SUMS):
        _model.add_to_class(_name, models.DecimalField(max_digits=16, decimal_places=2, default=0)
                            if "fee" in _name else models.BigIntegerField(default=0))


from .simulation.models import ReformSimulation  # noqa: E402  (its own module; registered with this app)

__all__ = ["ApplicationFacts", "DailyFacts", "MetricsExport", "MonthlyFacts", "ReformSimulation"]
