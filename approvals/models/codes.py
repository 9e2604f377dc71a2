from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class NumberCodeQuerySet(models.QuerySet):
    def choices(self, kind: str) -> list[tuple[str, str]]:
        """(code, "name（code）") of the active codes of one kind, for a select."""
        english = (get_language() or "").startswith("en")
        return [(c.code, c.label(english=english)) for c in self.filter(kind=kind, active=True).order_by("order", "code")]


class NumberCode(models.Model):
    """A two-digit code of the certificate number (证书编号) with the name people know it by.

    The field (领域, digits 5–6) and the competent industry department (行业主管部门, digits 7–8) are
    chosen from these names on the application form; the code goes into the certificate number.
    """

    class Kind(models.TextChoices):
        FIELD = "field", _("检验检测领域")
        INDUSTRY = "industry", _("行业主管部门")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("代码"), max_length=2, help_text=_("两位数字，写入证书编号。"))
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    active = models.BooleanField(_("可选"), default=True, help_text=_("停用的代码不再出现在申请表中，已有申请不受影响。"))
    confirmed = models.BooleanField(
        _("已核对"), default=False,
        help_text=_("未核对的条目是预置的参考值，请按国家认监委公布的证书编号规则核对后勾选。"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = NumberCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("证书编号代码")
        verbose_name_plural = _("证书编号代码（领域、行业）")
        ordering = ["kind", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="number_code_unique")]

    def __str__(self) -> str:
        return self.label()

    def label(self, *, english: bool = False) -> str:
        return self.label_of(self.code, self.name, self.name_en, english=english)

    @staticmethod
    def label_of(code: str, name: str, name_en: str, *, english: bool = False) -> str:
        """"name（code）" from a code's values (a list read as values, not rows)."""
        return f"{(name_en or name) if english else name}（{code}）"
