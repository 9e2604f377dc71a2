import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.models import Application, Deficiency

from ..storage import private_storage


def answer_path(instance: "AnswerFile", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"answers/{instance.application_id}/{uuid.uuid4().hex}.{suffix}"


class AnswerFile(models.Model):
    """A file the applicant attaches to an answer: the rectification report (整改报告) and its evidence,
    or an explanation with a supplement answer. Checked like every upload; kept once answered."""

    Kind = Deficiency.Kind  # the notice answered: a supplement (补正) or a rectification (整改) notice

    class Role(models.TextChoices):
        REPORT = "report", _("整改报告")
        EVIDENCE = "evidence", _("证明材料")

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                    related_name="answer_files")
    kind = models.CharField(_("答复的通知"), max_length=20, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("轮次"))
    role = models.CharField(_("用途"), max_length=10, choices=Role.choices)
    file = models.FileField(_("文件"), storage=private_storage, upload_to=answer_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("答复附件")
        verbose_name_plural = _("答复附件")
        ordering = ["application", "kind", "round", "uploaded_at", "id"]
        indexes = [models.Index(fields=["application", "kind", "round"], name="answer_file_round_idx")]

    def __str__(self) -> str:
        return self.original_name
