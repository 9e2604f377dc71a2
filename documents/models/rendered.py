from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from approvals.models import Application, Certificate, CertificateAction, CertificateVersion

from ..storage import private_storage


class RenderedDocument(models.Model):
    """A PDF the authority issues: a notice, a decision letter, a certificate version or the letter of a
    decision on a certificate (suspension, restoration, revocation, cancellation; ``round`` is the
    decision's sequence number on the certificate).

    The row is created inside the transaction that completes the task; the PDF is rendered after
    commit by the outbox's delivery (handler ``documents.render``), which is idempotent:
    (application, kind, round) is unique, and a row that is already rendered is left alone.
    """

    class Kind(models.TextChoices):
        ACCEPTANCE_NOTICE = "acceptance_notice", _("受理通知书")
        SUPPLEMENT_NOTICE = "supplement_notice", _("补正通知书")
        REFUSAL_NOTICE = "refusal_notice", _("不予受理通知书")
        DECISION_LETTER = "decision_letter", _("行政许可决定书")
        CERTIFICATE = "certificate", _("资质认定证书")
        SUSPENSION_LETTER = "suspension_letter", _("暂停资质认定证书决定书")
        RESTORATION_LETTER = "restoration_letter", _("恢复资质认定证书决定书")
        REVOCATION_LETTER = "revocation_letter", _("撤销资质认定决定书")
        CANCELLATION_LETTER = "cancellation_letter", _("注销资质认定证书决定书")

    class State(models.TextChoices):
        PENDING = "pending", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="rendered_documents"
    )
    kind = models.CharField(_("文书类型"), max_length=30, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    certificate = models.ForeignKey(
        Certificate, verbose_name=_("证书"), null=True, blank=True, on_delete=models.PROTECT, related_name="rendered"
    )
    version = models.ForeignKey(
        CertificateVersion, verbose_name=_("证书版本"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="rendered",
    )
    action = models.OneToOneField(
        CertificateAction, verbose_name=_("证书状态决定"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="letter",
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    file = models.FileField(_("文件"), storage=private_storage, max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    pages = models.PositiveSmallIntegerField(_("页数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出具文书")
        verbose_name_plural = _("出具文书")
        ordering = ["application", "created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "round"], name="rendered_document_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.application.reference}"

    @property
    def filename(self) -> str:
        """The official document's file name, in Chinese whatever the page's language (it is the
        document's own title, not a label of the page)."""
        with translation.override("zh-hans"):
            kind = str(self.get_kind_display())
        if self.kind == self.Kind.CERTIFICATE and self.version_id:
            return f"资质认定证书-{self.version.number}-第{self.version.version}版.pdf"
        if self.action_id:
            return f"{kind}-{self.certificate.number}-{self.round}.pdf"
        suffix = f"-第{self.round}次" if self.kind == self.Kind.SUPPLEMENT_NOTICE else ""
        return f"{kind}-{self.application.reference}{suffix}.pdf"
