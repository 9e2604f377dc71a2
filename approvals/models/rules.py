from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleSet(models.Model):
    """A versioned set of rules: statutory limits (working days), fees and expected steps.

    An application is judged by the rule set in force on the day it was submitted; the baseline
    rule set (the 2015 rules) is what the five reductions are measured against.
    """

    code = models.SlugField(_("代码"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"))
    is_baseline = models.BooleanField(_("改革前基线"), default=False)
    is_promise = models.BooleanField(
        _("地方承诺"), default=False, help_text=_("地方承诺时限只用于比较，不据此判定申请。")
    )
    acceptance_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"))
    review_days = models.PositiveSmallIntegerField(_("技术评审时限（工作日）"))
    rectification_days = models.PositiveSmallIntegerField(_("整改时限（工作日）"))
    decision_days = models.PositiveSmallIntegerField(_("审批决定时限（工作日）"))
    issue_days = models.PositiveSmallIntegerField(
        _("发证时限（工作日）"), help_text=_("未经确认：部分省份承诺5个工作日。")
    )
    supplement_days = models.PositiveSmallIntegerField(
        _("补正答复期限（工作日）"), default=30, help_text=_("未经确认的默认值，可按地方规定调整。")
    )
    fee_yuan = models.DecimalField(_("收费（元）"), max_digits=10, decimal_places=2, default=0)
    procedures = models.PositiveSmallIntegerField(_("审批事项数"), default=1)
    in_person_visits = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    expected_steps = models.JSONField(_("预期环节"), default=list, blank=True)

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def in_force_on(cls, day: date) -> "RuleSet":
        """The rule set that governs an application submitted on ``day``."""
        rule_set = (
            cls.objects.filter(effective_from__lte=day, is_promise=False).order_by("-effective_from").first()
        )
        if rule_set is None:
            raise cls.DoesNotExist(f"no rule set in force on {day.isoformat()}")
        return rule_set
