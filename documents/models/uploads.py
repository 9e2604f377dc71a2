import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.models import Application

from ..storage import private_storage


def upload_path(instance: "Document", filename: str) -> str:
    # Never the applicant's name on disk: a random name under the application's folder.
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"uploads/{instance.application_id}/{uuid.uuid4().hex}.{suffix}"


class DocumentQuerySet(models.QuerySet):
    def current(self) -> "DocumentQuerySet":
        """Documents still part of their application (not removed by the applicant)."""
        return self.filter(removed_at__isnull=True)


class Document(models.Model):
    """An application document (申请材料): a file uploaded for one catalogue requirement, or an
    earlier application's still-valid document reused instead of a new upload."""

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        "documents.DocumentRequirement", verbose_name=_("材料"), on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(_("文件"), storage=private_storage, upload_to=upload_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))
    # 0: with the application; n: in answer to the n-th supplement notice.
    supplement_round = models.PositiveSmallIntegerField(_("补正轮次"), default=0)
    reused_from = models.ForeignKey(
        "self", verbose_name=_("复用自"), null=True, blank=True, on_delete=models.PROTECT, related_name="reuses"
    )
    rejected_reason = models.TextField(_("退回理由"), blank=True)
    rejected_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["application", "requirement__order", "uploaded_at", "id"]
        indexes = [models.Index(fields=["application", "removed_at"], name="document_current_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_reuse(self) -> bool:
        return self.reused_from_id is not None
