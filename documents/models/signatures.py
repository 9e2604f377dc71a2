from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.models import CertificateVersion


class VerificationKey(models.Model):
    """The public half of every key that ever signed a certificate.

    Recorded the first time a key signs, and never deleted: after a rotation the old key's
    certificates still verify against the public key kept here.
    """

    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    algorithm = models.CharField(_("算法"), max_length=20, default="Ed25519")
    public_key = models.CharField(_("公钥（Base64）"), max_length=100)
    x509_pem = models.TextField(
        _("X.509 证书（PEM）"), blank=True, help_text=_("PDF 内嵌签名所用的证书，公布于 /verify/keys.json。")
    )
    first_used = models.DateTimeField(_("首次使用"), auto_now_add=True)
    retired = models.BooleanField(_("已停用"), default=False, help_text=_("停用后不再签发，但仍用于验证旧证书。"))

    class Meta:
        verbose_name = _("证书验签公钥")
        verbose_name_plural = _("证书验签公钥")
        ordering = ["-first_used"]

    def __str__(self) -> str:
        return self.key_id


class CertificateSignature(models.Model):
    """The authority's Ed25519 signature over the canonical form of one certificate version's content."""

    version = models.OneToOneField(CertificateVersion, verbose_name=_("证书版本"), on_delete=models.PROTECT,
                                   related_name="signature")
    key = models.ForeignKey(VerificationKey, verbose_name=_("签名密钥"), on_delete=models.PROTECT, related_name="signatures")
    signature = models.CharField(_("签名（Base64）"), max_length=100)
    payload_sha256 = models.CharField(_("签名内容摘要"), max_length=64)
    signed_at = models.DateTimeField(_("签名时间"))

    class Meta:
        verbose_name = _("证书签名")
        verbose_name_plural = _("证书签名")

    def __str__(self) -> str:
        return f"{self.version} ({self.key.key_id})"
