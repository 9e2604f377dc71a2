from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.exceptions import RuleSetInUse
from approvals.models import ApplicationTrack, ApplicationType, RuleSet
from approvals.models.rules import FROZEN_MESSAGE


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


def all_formats() -> list[str]:
    return list(DocumentFormat.values)


class RequirementQuerySet(models.QuerySet):
    def for_catalogue(self, *, rule_set: RuleSet | int, application_type: str, track: str) -> "RequirementQuerySet":
        return self.filter(rule_set=rule_set, application_type=application_type, track=track)

    def requested(self) -> "RequirementQuerySet":
        """Requirements the applicant must upload: those not obtained through government data sharing."""
        return self.filter(via_data_sharing=False)


class DocumentRequirement(models.Model):
    """One entry of the required-document catalogue (申请材料目录).

    The catalogue is data, versioned with the rule set in force: a reform that drops a document, or
    obtains it through government data sharing instead of asking for it, shows up as a difference
    between two rule sets' catalogues — a measured reduction of application documents (减申请材料).
    """

    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("规则集"), on_delete=models.PROTECT, related_name="document_requirements"
    )
    application_type = models.CharField(_("申请类型"), max_length=20, choices=ApplicationType.choices)
    track = models.CharField(_("程序"), max_length=20, choices=ApplicationTrack.choices)
    code = models.SlugField(_("材料代码"), max_length=50)
    name = models.CharField(_("材料名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    mandatory = models.BooleanField(_("必须提交"), default=True)
    accepted_formats = models.JSONField(
        _("接受的格式"), default=all_formats, help_text=_("pdf、jpeg、png 中的一种或几种。")
    )
    via_data_sharing = models.BooleanField(
        _("通过政务数据共享获取"), default=False, help_text=_("勾选后不再要求申请人上传（减申请材料）。")
    )
    reusable_months = models.PositiveSmallIntegerField(
        _("可复用期限（月）"), null=True, blank=True,
        help_text=_("机构此前提交、未被退回且在此期限内的同类材料可直接复用；留空表示不可复用。（期限为未经确认的默认值，可按地方规定调整。）"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = RequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请材料目录条目")
        verbose_name_plural = _("申请材料目录")
        ordering = ["rule_set", "application_type", "track", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "application_type", "track", "code"], name="requirement_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.rule_set}）"

    def save(self, *args, **kwargs):
        # The catalogue is part of its rule set: frozen with it once an application was judged by it.
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen(deleting=True)
        return super().delete(*args, **kwargs)

    def _frozen_rule_sets(self) -> set[int]:
        ids = {self.rule_set_id}
        if self.pk is not None:
            ids |= set(type(self).objects.filter(pk=self.pk).values_list("rule_set_id", flat=True))
        return set(RuleSet.objects.filter(pk__in=ids).used().values_list("pk", flat=True))

    def _refuse_if_frozen(self, *, deleting: bool = False) -> None:
        if not self._frozen_rule_sets():
            return
        if deleting or self.pk is None:
            raise RuleSetInUse(str(FROZEN_MESSAGE))
        stored = type(self).objects.get(pk=self.pk)
        if any(f.value_from_object(self) != f.value_from_object(stored) for f in self._meta.concrete_fields):
            raise RuleSetInUse(str(FROZEN_MESSAGE))

    def clean(self):
        from django.core.exceptions import ValidationError

        try:
            self._refuse_if_frozen()
        except RuleSetInUse as error:
            raise ValidationError(str(error)) from error
        formats = self.accepted_formats
        if not isinstance(formats, list) or not formats or any(f not in DocumentFormat.values for f in formats):
            raise ValidationError({"accepted_formats": _("请从 pdf、jpeg、png 中选择至少一种格式。")})

    @property
    def display_name(self) -> str:
        """The name in the page's language: the English name on English pages when the catalogue has one."""
        from django.utils.translation import get_language

        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name

    @property
    def formats_label(self) -> str:
        return "、".join(DocumentFormat(f).label for f in self.accepted_formats)
