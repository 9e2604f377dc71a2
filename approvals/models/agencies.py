from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.validators import validate_credit_code


class Agency(models.Model):
    """申请机构: a testing or inspection body, identified by its unified social credit code."""

    name = models.CharField(_("机构名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    address = models.CharField(_("地址"), max_length=300)
    legal_representative = models.CharField(_("法定代表人"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=100)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    commitment_barred_until = models.DateField(
        _("告知承诺禁入至"), null=True, blank=True, help_text=_("承诺不实被撤销许可的，此日期前不得适用告知承诺。"))
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请机构")
        verbose_name_plural = _("申请机构")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person: an agency's staff member (agency set) or an official (agency empty)."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How the pages write a user, from the three values (for rows read as values, not models)."""
        return f"{first_name} {last_name}".strip() or username
