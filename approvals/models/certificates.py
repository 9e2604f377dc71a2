from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .agencies import Agency
from .applications import Application

VALIDITY_YEARS = 6


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")
    EXPIRED = "expired", _("过期")


class CertificateSerial(models.Model):
    """The last serial used per (year, authority, field, industry): certificate numbers never repeat."""

    prefix = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last:04d}"


class Certificate(models.Model):
    """资质认定证书. The content is a snapshot taken at issue (name, credit code, address, sites, scope,
    signatories); later edits to the agency or the application do not alter it, nor its signature."""

    number = models.CharField(_("证书编号"), max_length=12, unique=True)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="certificates")
    agency_name = models.CharField(_("机构名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    address = models.CharField(_("地址"), max_length=300)
    test_sites = models.TextField(_("检验检测场所"))
    issuing_authority = models.CharField(_("发证机关"), max_length=100)
    approved_on = models.DateField(_("批准日期"))
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"))
    scope = models.JSONField(_("批准的能力范围"), default=list)
    signatories = models.TextField(_("授权签字人"), blank=True, help_text=_("每行一人。"))
    status = models.CharField(_("状态"), max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("资质认定证书")
        verbose_name_plural = _("资质认定证书")
        ordering = ["-issued_on", "-number"]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: date) -> str:
        """The public status on a day: a valid certificate past its expiry date reads as expired."""
        if self.status == CertificateStatus.VALID and day > self.expires_on:
            return CertificateStatus.EXPIRED
        return self.status
