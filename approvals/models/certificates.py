"""Certificates: a stable identity (the number and the register status) and immutable versions.

A certificate's content (agency name, credit code, address, sites, scope, signatories, dates) is
never edited: a renewal, change or extension writes a new ``CertificateVersion``, and every version
stays verifiable by its number and QR code. Suspension, restoration, revocation and cancellation
are decisions recorded as ``CertificateAction`` rows; expiry is read from the date, never stored.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.choices import fast_choice_display

from .agencies import Agency
from .applications import Application

VALIDITY_YEARS = 6


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")
    EXPIRED = "expired", _("过期")


class ImmutableRecord(Exception):
    """A certificate version or action was about to be changed or deleted: they are the record."""


class Immutable(models.Model):
    """Rows written once: a save of an existing row and a delete are refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(f"{type(self).__name__} {self.pk} is part of the record and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{type(self).__name__} {self.pk} is part of the record and cannot be deleted")


class CertificateSerial(models.Model):
    """The last serial used per (year, authority, field, industry): certificate numbers never repeat."""

    prefix = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last:04d}"


# What a version holds besides its place in the history: the content the authority signs.
CONTENT_FIELDS = ("agency_name", "credit_code", "address", "test_sites", "issuing_authority", "approved_on",
                  "issued_on", "expires_on", "scope", "signatories")


@fast_choice_display
class Certificate(models.Model):
    """资质认定证书: the identity anyone verifies (its number), its register status and its current version.

    Only the services in ``approvals.services.certificates`` write it; its content is in its versions.
    """

    number = models.CharField(_("证书编号"), max_length=12, unique=True,
                              help_text=_("现行版本的编号；延续换号时旧编号仍可核验。"))
    application = models.OneToOneField(Application, verbose_name=_("首次发证的申请"), on_delete=models.PROTECT,
                                       related_name="certificate")
    agency = models.ForeignKey(Agency, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="certificates")
    status = models.CharField(_("状态"), max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    status_since = models.DateField(_("状态生效日期"), null=True, blank=True)
    current = models.OneToOneField("CertificateVersion", verbose_name=_("现行版本"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("资质认定证书")
        verbose_name_plural = _("资质认定证书")
        ordering = ["-id"]
        permissions = [("decide_certificate_status", _("暂停、恢复、撤销资质认定证书"))]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: date) -> str:
        """The public status on a day: a valid certificate past its expiry date reads as expired."""
        if self.status == CertificateStatus.VALID and day > self.current.expires_on:
            return CertificateStatus.EXPIRED
        return self.status


def _current_field(name: str) -> property:
    return property(lambda self: getattr(self.current, name), doc=f"The current version's {name}.")


# The current version's content reads as the certificate's own (certificate.expires_on, …), read-only.
for _name in CONTENT_FIELDS:
    setattr(Certificate, _name, _current_field(_name))


class CertificateVersion(Immutable):
    """One version of a certificate's content, exactly as issued, signed and printed. Never changed."""

    certificate = models.ForeignKey(Certificate, verbose_name=_("证书"), on_delete=models.PROTECT,
                                    related_name="versions")
    version = models.PositiveSmallIntegerField(_("版本"))
    number = models.CharField(_("证书编号"), max_length=12, db_index=True)
    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.PROTECT,
                                    related_name="certificate_versions")
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
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发证人"), on_delete=models.PROTECT,
                                  related_name="+")
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证书版本")
        verbose_name_plural = _("证书版本")
        ordering = ["certificate", "version"]
        constraints = [models.UniqueConstraint(fields=["certificate", "version"], name="certificate_version_unique")]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"


@fast_choice_display
class CertificateAction(Immutable):
    """A decision on a certificate's status (暂停, 恢复, 撤销, 注销): who, when, from which day, why."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", _("暂停")
        RESTORE = "restore", _("恢复")
        REVOKE = "revoke", _("撤销")
        CANCEL = "cancel", _("注销")

    certificate = models.ForeignKey(Certificate, verbose_name=_("证书"), on_delete=models.PROTECT,
                                    related_name="actions")
    seq = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("决定"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("原状态"), max_length=20, choices=CertificateStatus.choices)
    target = models.CharField(_("新状态"), max_length=20, choices=CertificateStatus.choices)
    reason = models.TextField(_("理由"))
    effective_on = models.DateField(_("生效日期"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("证书状态决定")
        verbose_name_plural = _("证书状态决定")
        ordering = ["certificate", "seq"]
        constraints = [models.UniqueConstraint(fields=["certificate", "seq"], name="certificate_action_unique")]

    def __str__(self) -> str:
        return f"{self.certificate} {self.get_kind_display()} {self.effective_on}"
