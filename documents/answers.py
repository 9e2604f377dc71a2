"""Writes and reads of the files an applicant attaches to an answer: the rectification report
(整改报告) and its evidence, or an explanation with a supplement answer.

Each file is checked like every upload (``documents.validation.check_upload``: content, size and
name), stored under a random name outside any public path, and recorded in the audit chain. A
rectification answer without a report is refused (``rectification_answer_check``, run by the flow in
the answer's transaction).
"""

import hashlib
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.exceptions import TransitionRefused
from approvals.models import Application, ApplicationStatus, Deficiency, User
from audit.services import audit_record
from compiled import CompiledRead

from .models import AnswerFile
from .storage import private_storage
from .validation import check_upload

MAX_ANSWER_FILES = 20
ANSWERED = {
    ApplicationStatus.SUPPLEMENT_REQUESTED: AnswerFile.Kind.SUPPLEMENT,
    ApplicationStatus.RECTIFICATION: AnswerFile.Kind.RECTIFICATION,
}


def _latest_round(application: Application, kind: str) -> int:
    return (application.deficiencies.filter(kind=kind).order_by("-round").values_list("round", flat=True).first()
            or 0)


def _open_answer(application: Application, by: User) -> tuple[str, int]:
    """The notice being answered (kind, round); only the agency's own users, only while it is open."""
    if not by.is_authenticated or by.agency_id is None or by.agency_id != application.agency_id:
        raise PermissionDenied(_("只有申请机构本机构的用户可以提交答复附件。"))
    kind = ANSWERED.get(application.status)
    if kind is None:
        raise TransitionRefused(
            _("当前状态（%(status)s）不能提交答复附件：只有补正或整改期间可以。")
            % {"status": application.get_status_display()}, current_status=application.status)
    return kind, _latest_round(application, kind)


def round_files(application: Application, kind: str, round_: int) -> QuerySet:
    return AnswerFile.objects.filter(application=application, kind=kind, round=round_, removed_at__isnull=True)


def answer_file_upload(*, application: Application, by: User, role: str, file: IO[bytes],
                       name: str | None = None) -> AnswerFile:
    """Attach one file to the open answer. ``role`` is ``report`` (rectification only) or ``evidence``."""
    kind, round_ = _open_answer(application, by)
    if role not in AnswerFile.Role.values:
        raise ValidationError({"role": _("附件用途只能是整改报告或证明材料。")})
    if role == AnswerFile.Role.REPORT and kind != AnswerFile.Kind.RECTIFICATION:
        raise ValidationError({"role": _("只有整改答复需要上传整改报告。")})
    try:
        checked, data = check_upload(file, name=name if name is not None else getattr(file, "name", ""),
                                     size=getattr(file, "size", None))
    except ValidationError as error:
        raise ValidationError({role: error.messages}) from error
    sha256 = hashlib.sha256(data).hexdigest()
    current = round_files(application, kind, round_)
    if current.filter(sha256=sha256).exists():
        raise ValidationError({role: _("该文件已经上传过。")})
    if current.count() >= MAX_ANSWER_FILES:
        raise ValidationError({role: _("每次答复最多上传%(max)d个附件。") % {"max": MAX_ANSWER_FILES}})
    attachment = AnswerFile(
        application=application, kind=kind, round=round_, role=role, original_name=checked.name,
        content_type=checked.content_type, size=checked.size, sha256=sha256, uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(f"answer.{checked.extension}", ContentFile(data), save=False)
    stored = attachment.file.name
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(action="answer_file.upload", obj=attachment, application_id=application.pk, by=by,
                         summary=attachment.original_name,
                         data={"kind": kind, "round": round_, "role": role, "sha256": sha256, "size": checked.size})
    except BaseException:
        private_storage.delete(stored)
        raise
    return attachment


def answer_file_remove(*, answer_file: AnswerFile, by: User) -> AnswerFile:
    """Take an attachment out of the still-open answer (kept for the record)."""
    kind, round_ = _open_answer(answer_file.application, by)
    if (answer_file.kind, answer_file.round) != (kind, round_):
        raise TransitionRefused(_("已提交的答复附件不能删除。"))
    with transaction.atomic():
        answer_file.removed_at = timezone.now()
        answer_file.save(update_fields=["removed_at"])
        audit_record(action="answer_file.remove", obj=answer_file, application_id=answer_file.application_id, by=by,
                     summary=answer_file.original_name, data={"sha256": answer_file.sha256})
    return answer_file


def rectification_answer_check(*, application: Application, by: User) -> None:
    """A rectification answer must carry the rectification report of its round."""
    round_ = _latest_round(application, Deficiency.Kind.RECTIFICATION)
    if not round_files(application, AnswerFile.Kind.RECTIFICATION, round_).filter(role=AnswerFile.Role.REPORT).exists():
        raise ValidationError({"report": _("请上传整改报告（PDF、JPEG或PNG）后再提交整改答复。")})


_ANSWER_FILES = CompiledRead(  # compiled once per process: the application page reads it on every view
    lambda application: AnswerFile.objects.filter(application_id=application, removed_at__isnull=True)
    .order_by("kind", "round", "uploaded_at", "id"),
    "application")


def answer_files_for(*, application: Application) -> list[AnswerFile]:
    """Every attachment still part of the application's answers, in order (one query)."""
    return _ANSWER_FILES.all(application=application.pk)


def visible_answer_files(*, user: User) -> QuerySet:
    """Attachments of the applications the user may see."""
    return AnswerFile.objects.filter(application__in=Application.objects.visible_to(user), removed_at__isnull=True)
