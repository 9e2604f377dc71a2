from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.exceptions import RuleSetInUse

FROZEN_MESSAGE = _("此规则集已有申请据以办理（或五减数据据以比较），不能修改或删除；请新建一个版本并设定生效日期。")


class RuleSetQuerySet(models.QuerySet):
    def used(self) -> "RuleSetQuerySet":
        """Rule sets an application was judged by; baselines and promises once any application was judged
        (the five-reductions figures were measured against them)."""
        from .applications import Application  # applications → rules: imported late

        judged = models.Exists(Application.objects.filter(rule_set=models.OuterRef("pk")))
        any_judged = Application.objects.filter(rule_set__isnull=False)
        comparison = models.Q(is_baseline=True) | models.Q(is_promise=True)
        if any_judged.exists():
            return self.filter(judged | comparison)
        return self.filter(judged)

    def update(self, **kwargs):
        if self.used().exists():
            raise RuleSetInUse(str(FROZEN_MESSAGE))
        return super().update(**kwargs)

    def delete(self):
        if self.used().exists():
            raise RuleSetInUse(str(FROZEN_MESSAGE))
        return super().delete()


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

    # 延续: when the renewal window opens and closes, counted back from the certificate's expiry.
    renewal_closes_months = models.PositiveSmallIntegerField(
        _("延续申请截止（有效期届满前月数）"), default=3, help_text=_("2021年办法：有效期届满3个月前提出。"))
    renewal_opens_months = models.PositiveSmallIntegerField(
        _("延续申请开放（有效期届满前月数）"), default=12,
        help_text=_("未经确认：何时可以开始申请延续尚无明确规定，可按地方规定调整。"))
    renewal_new_number = models.BooleanField(
        _("延续后换发新证书编号"), default=False, help_text=_("未经确认：按地方规定设置。"))
    renewal_from_expiry = models.BooleanField(
        _("延续证书有效期自原证书届满次日起算"), default=True,
        help_text=_("未经确认：不勾选则自发证之日起算六年。"))
    # 变更: which kinds of change need a technical review; the rest are checked at acceptance only.
    change_kinds_reviewed = models.JSONField(
        _("需技术评审的变更事项"), default=list, blank=True, help_text=_("例如 [\"site\"]（检验检测场所变更）。"))
    # 告知承诺
    commitment_types = models.JSONField(
        _("可适用告知承诺的申请类型"), default=list, blank=True,
        help_text=_("例如 [\"initial\", \"renewal\", \"extension\", \"change\"]；为空则不开放告知承诺。"))
    commitment_excluded_fields = models.JSONField(
        _("不适用告知承诺的检验检测领域代码"), default=list, blank=True,
        help_text=_("特殊食品、医疗器械等领域不适用告知承诺（代码未经确认，按地方目录设置）。"))
    commitment_letter = models.TextField(_("告知承诺书文本"), blank=True)
    verification_months = models.PositiveSmallIntegerField(
        _("告知承诺核查期限（月）"), default=3, help_text=_("未经确认：2021年办法未明确，部分省份为10个工作日。"))
    false_commitment_bar_years = models.PositiveSmallIntegerField(_("承诺不实禁入告知承诺年限"), default=3)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # An integrity guard, like the protected status field: whatever path a write takes (admin,
        # shell, a service), a used rule set is not rewritten under the applications judged by it.
        if self.pk is not None and self.is_used() and self._changed_fields():
            raise RuleSetInUse(str(FROZEN_MESSAGE))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_used():
            raise RuleSetInUse(str(FROZEN_MESSAGE))
        return super().delete(*args, **kwargs)

    def is_used(self) -> bool:
        """Whether the rule set is frozen (see ``RuleSetQuerySet.used``)."""
        return self.pk is not None and type(self).objects.filter(pk=self.pk).used().exists()

    def _changed_fields(self) -> list[str]:
        stored = type(self).objects.get(pk=self.pk)
        return [f.name for f in self._meta.concrete_fields if f.value_from_object(self) != f.value_from_object(stored)]

    def clean(self):
        if self.pk is not None and self.is_used() and self._changed_fields():
            raise ValidationError(FROZEN_MESSAGE)

    @classmethod
    def in_force_on(cls, day: date) -> "RuleSet":
        """The rule set that governs an application submitted on ``day``."""
        rule_set = (
            cls.objects.filter(effective_from__lte=day, is_promise=False).order_by("-effective_from").first()
        )
        if rule_set is None:
            raise cls.DoesNotExist(f"no rule set in force on {day.isoformat()}")
        return rule_set
