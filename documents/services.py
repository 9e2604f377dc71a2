"""Writes: uploads and reuse of application documents, the document side of the procedure's steps
(what a submission lacks, what a supplement notice sends back), certificate signatures and the
issued PDFs (scheduled in the step's transaction, rendered after commit)."""

import hashlib
from typing import IO

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import outbox
import prepared
from approvals.exceptions import TransitionRefused
from approvals.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateAction,
    CertificateVersion,
    Deficiency,
    RuleSet,
    User,
)
from audit.services import audit_record
from writebehind import insert_row, insert_rows, later_insert

from . import selectors
from .contexts import context_for
from .models import CertificateSignature, Document, DocumentRequirement, RenderedDocument, VerificationKey
from .pdfsign import sign_pdf, signing_certificate_pem
from .rendering import render_pdf_pages
from .signing import SigningKey, canonical, certificate_payload, current_key, sign
from .storage import private_storage
from .validation import check_upload

MAX_FILES_PER_REQUIREMENT = 20
UPLOAD_STATES = (ApplicationStatus.DRAFT, ApplicationStatus.SUPPLEMENT_REQUESTED)
Kind = RenderedDocument.Kind
# PDFs that carry an embedded PDF signature a reader validates offline.
SIGNED_KINDS = (Kind.CERTIFICATE, Kind.SUSPENSION_LETTER, Kind.RESTORATION_LETTER, Kind.REVOCATION_LETTER,
                Kind.CANCELLATION_LETTER)


# --- uploads ------------------------------------------------------------------------------------
def _check_may_change(application: Application, by: User) -> int:
    """Only the applicant's own agency, and only on a draft or while a supplement notice is open.
    Returns the supplement round the change answers (0 for a draft)."""
    if not by.is_authenticated or by.agency_id is None or by.agency_id != application.agency_id:
        raise PermissionDenied(_("只有申请机构本机构的用户可以提交申请材料。"))
    if application.status not in UPLOAD_STATES:
        raise TransitionRefused(
            _("当前状态（%(status)s）不能提交或修改申请材料：只有草稿和补正期间可以。")
            % {"status": application.get_status_display()},
            current_status=application.status,
        )
    if application.status == ApplicationStatus.DRAFT:
        return 0
    return _latest_supplement_round(application)


def _latest_supplement_round(application: Application) -> int:
    return (
        application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT)
        .order_by("-round").values_list("round", flat=True).first() or 0
    )


def _requirement(application: Application, code: str):
    requirement = selectors.requirements_for(application).filter(code=str(code or "").strip()).first()
    if requirement is None:
        raise ValidationError({"requirement": _("申请材料目录中没有该材料。")})
    if requirement.via_data_sharing:
        raise ValidationError({"requirement": _("“%(name)s”通过政务数据共享获取，无需上传。") % {"name": requirement.name}})
    return requirement


def _check_room(application: Application, requirement, sha256: str) -> None:
    current = Document.objects.current().filter(application=application, requirement__code=requirement.code)
    if current.filter(sha256=sha256, rejected_at__isnull=True).exists():
        raise ValidationError({"file": _("该文件已经上传过。")})
    if current.count() >= MAX_FILES_PER_REQUIREMENT:
        raise ValidationError({"file": _("每项材料最多上传%(max)d个文件。") % {"max": MAX_FILES_PER_REQUIREMENT}})


def document_upload(*, application: Application, by: User, requirement: str, file: IO[bytes],
                    name: str | None = None) -> Document:
    """Upload a file for one catalogue requirement of a draft or an open supplement notice.

    The file is judged by its content (PDF, JPEG or PNG that really parses), its size and its
    name; a refused file leaves nothing behind. Stored under a random name outside any public path.
    """
    supplement_round = _check_may_change(application, by)
    req = _requirement(application, requirement)
    try:
        checked, data = check_upload(
            file, name=name if name is not None else getattr(file, "name", ""),
            size=getattr(file, "size", None), accepted_formats=req.accepted_formats,
        )
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    sha256 = hashlib.sha256(data).hexdigest()
    _check_room(application, req, sha256)
    document = Document(
        application=application, requirement=req, original_name=checked.name, content_type=checked.content_type,
        size=checked.size, sha256=sha256, uploaded_by=by, uploaded_at=timezone.now(), supplement_round=supplement_round,
    )
    document.file.save(f"upload.{checked.extension}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
            _audit_document("document.upload", document, by)
    except BaseException:
        private_storage.delete(document.file.name)
        raise
    return document


def documents_upload(*, application: Application, by: User, requirement: str, files: list[IO[bytes]]) -> list[Document]:
    """Upload several files for one requirement at once: all of them or none.

    A refused file names itself in the error, and the files already stored for this request are
    deleted again, so a failed upload leaves nothing behind.
    """
    if not files:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    stored: list[Document] = []
    try:
        with transaction.atomic():
            for file in files:
                try:
                    stored.append(document_upload(application=application, by=by, requirement=requirement, file=file))
                except ValidationError as error:
                    if len(files) == 1 or not hasattr(error, "error_dict"):
                        raise
                    name = getattr(file, "name", "")
                    raise ValidationError({key: [f"{name}：{m}" for m in messages]
                                           for key, messages in error.message_dict.items()}) from error
    except BaseException:
        for document in stored:
            private_storage.delete(document.file.name)
        raise
    return stored


def document_reuse(*, application: Application, by: User, document: int) -> Document:
    """Reuse a still-valid document the agency supplied with an earlier application instead of
    uploading it again; the reuse is recorded (``reused_from``) and counted as a reduction."""
    supplement_round = _check_may_change(application, by)
    requirements = list(selectors.requirements_for(application))
    offers = selectors.reusable_documents(application=application, requirements=requirements)
    source = next((doc for docs in offers.values() for doc in docs if doc.pk == int(document)), None)
    if source is None:
        raise ValidationError({"document": _("该材料不可复用：不属于本机构此前的申请、已被退回或已超过有效期。")})
    req = next(r for r in requirements if r.code == source.requirement.code)
    if Document.objects.current().filter(application=application, reused_from=source, rejected_at__isnull=True).exists():
        raise ValidationError({"document": _("该材料已复用。")})
    with transaction.atomic():
        document = Document.objects.create(
            application=application, requirement=req, file=source.file.name, original_name=source.original_name,
            content_type=source.content_type, size=source.size, sha256=source.sha256, uploaded_by=by,
            uploaded_at=timezone.now(), supplement_round=supplement_round, reused_from=source,
        )
        _audit_document("document.reuse", document, by)
    return document


def documents_reuse_all(*, application: Application, by: User) -> list[Document]:
    """Reuse, in one step, the newest still-valid earlier document for every requirement that has
    none yet; requirements already provided are left alone. All or nothing."""
    _check_may_change(application, by)
    reused = []
    with transaction.atomic():
        for status in selectors.checklist(application=application, with_reusable=True):
            if status.accepted_documents or not status.reusable:
                continue
            reused.append(document_reuse(application=application, by=by, document=status.reusable[0].pk))
    return reused


def document_remove(*, document: Document, by: User) -> Document:
    """Take a document out of a draft or an open supplement (kept for the record, no longer counted)."""
    _check_may_change(document.application, by)
    document.removed_at = timezone.now()
    with transaction.atomic():
        document.save(update_fields=["removed_at"])
        _audit_document("document.remove", document, by)
    return document


def _audit_document(action: str, document: Document, by: User) -> None:
    audit_record(
        action=action, obj=document, application_id=document.application_id, by=by, summary=document.original_name,
        data={"requirement": document.requirement.code, "name": document.original_name, "sha256": document.sha256,
              "size": document.size, "supplement_round": document.supplement_round,
              "reused_from": document.reused_from_id},
    )


# --- the catalogue ------------------------------------------------------------------------------
def catalogue_copy(*, source: RuleSet, target: RuleSet) -> int:
    """Give a new rule-set version the catalogue of the one it supersedes (then edited on its own)."""
    rows = [
        DocumentRequirement(**{f.name: f.value_from_object(req) for f in DocumentRequirement._meta.concrete_fields
                               if f.name not in ("id", "rule_set")}, rule_set=target)
        for req in DocumentRequirement.objects.filter(rule_set=source)
    ]
    return len(DocumentRequirement.objects.bulk_create(rows))


# --- the procedure's steps ----------------------------------------------------------------------
def _missing_messages(application: Application) -> list[str]:
    return [f"{status.requirement.name}（{status.state_label}）" for status in selectors.missing(application=application)]


def submission_problems(*, application: Application) -> dict[str, list[str]]:
    """What a draft's documents lack for submission, every missing one at once ({} when complete)."""
    if application.status != ApplicationStatus.DRAFT:
        return {}
    missing = _missing_messages(application)
    return {"documents": [_("申请材料不齐全，请补充：") + "；".join(missing)]} if missing else {}


def submission_check(*, application: Application) -> None:
    """Refuse a submission that lacks a required document, listing every missing one at once."""
    problems = submission_problems(application=application)
    if problems:
        raise ValidationError(problems)


def supplement_one_time_check(*, application: Application, by: User) -> None:
    """一次性告知: the first notice lists every defect at once; a later round may only name a document the
    applicant supplied or changed in answer to an earlier round. Anything else is refused, row by row."""
    round_ = _latest_supplement_round(application)
    if round_ <= 1:
        return
    answered = set(Document.objects.filter(application=application, supplement_round__gte=1,
                                           supplement_round__lt=round_).values_list("requirement__code", flat=True))
    names = dict(selectors.requirements_for(application).values_list("code", "name"))
    points = application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT, round=round_).order_by("id")
    errors = {}
    for index, point in enumerate(points, start=1):
        if not point.document_code:
            errors[f"deficiencies[{index}]"] = [_(
                "一次性告知：第%(round)d轮补正只能针对申请机构答复前次补正时提交或修改的材料，请注明是哪一项材料。"
            ) % {"round": round_}]
        elif point.document_code not in answered:
            errors[f"deficiencies[{index}]"] = [_(
                "一次性告知：“%(name)s”不是申请机构答复前次补正时提交或修改的材料，其问题应在第一次补正通知中一并告知，"
                "不能再次要求补正。"
            ) % {"name": names.get(point.document_code, point.document_code)}]
    if errors:
        raise ValidationError(errors)


def supplement_send_back(*, application: Application, by: User) -> None:
    """补正: every document named in the notice is marked defective, with the notice's reason; a notice
    naming a document outside the catalogue, or one obtained by data sharing, is refused."""
    round_ = _latest_supplement_round(application)
    points = list(application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT, round=round_).exclude(document_code=""))
    catalogue = {req.code: req for req in selectors.requirements_for(application)}
    errors = []
    for point in points:
        req = catalogue.get(point.document_code)
        if req is None:
            errors.append(_("材料代码“%(code)s”不在申请材料目录中。") % {"code": point.document_code})
        elif req.via_data_sharing:
            errors.append(_("“%(name)s”通过政务数据共享获取，不应要求申请人补正。") % {"name": req.name})
    if errors:
        raise ValidationError({"deficiencies": errors})
    now = timezone.now()
    for point in points:
        Document.objects.current().filter(
            application=application, requirement__code=point.document_code, rejected_at__isnull=True
        ).update(rejected_at=now, rejected_reason=point.description)


def supplement_answer_check(*, application: Application, by: User) -> None:
    """A supplement answer must bring a new document for every document the notice sent back."""
    round_ = _latest_supplement_round(application)
    wanted = set(application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT, round=round_)
                 .exclude(document_code="").values_list("document_code", flat=True))
    answered = set(Document.objects.current().filter(
        application=application, supplement_round=round_, rejected_at__isnull=True
    ).values_list("requirement__code", flat=True))
    names = dict(selectors.requirements_for(application).values_list("code", "name"))
    unanswered = wanted - answered
    messages = [f"{names.get(code, code)}（{_('补正通知要求重新提交')}）" for code in sorted(unanswered)]
    messages += [f"{status.requirement.name}（{status.state_label}）" for status in selectors.missing(application=application)
                 if status.requirement.code not in unanswered]
    if messages:
        raise ValidationError({"documents": [_("补正材料不齐全，请补充：") + "；".join(messages)]})


def notice_issue(*, application: Application, kind: str) -> RenderedDocument:
    """The document a decision issues (a notice, a letter, the certificate), inside the decision's
    transaction: a certificate version is signed now; every PDF is an outbox row, rendered by the
    worker after commit."""
    if kind == Kind.CERTIFICATE and application.subject_certificate_id:
        # a renewal, change or extension: the new version of the certificate it concerns
        return certificate_publish(certificate=application.subject_certificate)[0]
    if kind == Kind.CERTIFICATE:
        # certificate_issue just created it (cached on the application, with its version 1): sign that
        # version and schedule its PDF (certificate_publish would find the same, at two more queries)
        certificate = application.certificate
        certificate_sign(version=certificate.current, new=True)
        return rendered_schedule(application=application, kind=kind, round=certificate.current.version,
                                 certificate=certificate, version=certificate.current)
    round_ = _latest_supplement_round(application) if kind == Kind.SUPPLEMENT_NOTICE else 1
    return rendered_schedule(application=application, kind=kind, round=round_)


# --- signatures ---------------------------------------------------------------------------------
def _signing_key() -> tuple[SigningKey, VerificationKey]:
    """The current key and its published record (created the first time the key signs, with the
    X.509 certificate the PDFs' embedded signatures carry)."""
    key = current_key()
    pem = signing_certificate_pem(key)
    record, _created = VerificationKey.objects.get_or_create(
        key_id=key.key_id, defaults={"public_key": key.public_b64, "x509_pem": pem})
    if record.public_key != key.public_b64:
        raise ImproperlyConfigured(f"key id {key.key_id!r} already names another key: give the new key a new id")
    if record.retired:
        raise ImproperlyConfigured(f"key {key.key_id!r} is retired: configure the current signing key")
    if record.x509_pem != pem:  # recorded before PDFs were signed, or a CA-issued certificate replaced it
        record.x509_pem = pem
        record.save(update_fields=["x509_pem"])
    return key, record


def certificate_sign(*, version: CertificateVersion, new: bool = False) -> CertificateSignature:
    """Sign a certificate version's canonical content with the current key (once: a signature stands).
    ``new``: the version was created in this transaction, so it has no signature to look for."""
    existing = None if new else CertificateSignature.objects.select_related("key").filter(version=version).first()
    if existing is not None:
        return existing
    key, record = _signing_key()
    payload = canonical(certificate_payload(version))
    signature = CertificateSignature(
        version=version, key=record, signature=sign(payload, key),
        payload_sha256=hashlib.sha256(payload).hexdigest(), signed_at=timezone.now(),
    )
    if new:  # a version of this transaction: nobody reads its signature's id, which travels with the next statement
        later_insert(signature)
    else:
        insert_row(signature)
    audit_record(action="certificate.sign", obj=version.certificate, application_id=version.application_id,
                 summary=f"{version.number} v{version.version}",
                 data={"version": version.version, "key_id": key.key_id, "payload_sha256": signature.payload_sha256})
    return signature


LETTERS = {
    CertificateAction.Kind.SUSPEND: Kind.SUSPENSION_LETTER,
    CertificateAction.Kind.RESTORE: Kind.RESTORATION_LETTER,
    CertificateAction.Kind.REVOKE: Kind.REVOCATION_LETTER,
    CertificateAction.Kind.CANCEL: Kind.CANCELLATION_LETTER,
}


def certificate_documents(*, application: Application, by: User) -> list[RenderedDocument]:
    """After a decision on the certificate an application concerns (注销, a false commitment's
    revocation): its letters, scheduled in the same transaction."""
    certificate = application.subject_certificate or Certificate.objects.filter(application=application).first()
    return certificate_publish(certificate=certificate) if certificate is not None else []


def certificate_publish(*, certificate: Certificate) -> list[RenderedDocument]:
    """The documents side of whatever just happened to a certificate, inside the caller's transaction:
    every version not yet signed is signed and gets its PDF, every status decision its letter (PDFs
    rendered after commit). Idempotent: call it after ``certificate_issue``, ``certificate_new_version``
    or any decision. Returns what it scheduled, the newest version's PDF first."""
    scheduled = []
    versions = (CertificateVersion.objects.filter(certificate=certificate).select_related("application")
                .exclude(rendered__kind=Kind.CERTIFICATE).order_by("-version"))
    for version in versions:
        certificate_sign(version=version)
        scheduled.append(rendered_schedule(application=version.application, kind=Kind.CERTIFICATE,
                                           round=version.version, certificate=certificate, version=version))
    for action in certificate.actions.filter(letter__isnull=True).order_by("seq"):
        scheduled.append(rendered_schedule(application=certificate.application, kind=LETTERS[action.kind],
                                           round=action.seq, certificate=certificate, action=action))
    return scheduled


def verification_key_retire(*, key_id: str) -> VerificationKey:
    """Stop a key from signing; its public half stays, so its certificates still verify."""
    record = VerificationKey.objects.get(key_id=key_id)
    record.retired = True
    record.save(update_fields=["retired"])
    audit_record(action="key.retire", obj=record, summary=key_id, data={"key_id": key_id})
    return record


# --- issued PDFs --------------------------------------------------------------------------------
def rendered_schedule(*, application: Application, kind: str, round: int = 1, certificate: Certificate | None = None,
                      version: CertificateVersion | None = None,
                      action: CertificateAction | None = None) -> RenderedDocument:
    """Record that a PDF is due; the outbox renders it after commit (never inside the request transaction).

    One statement (INSERT … ON CONFLICT on the row's unique key): a row already there for this
    application, kind and round is kept as it is — only its id is read back, the other fields of
    the returned object are the ones given here."""
    rendered = RenderedDocument(application=application, kind=kind, round=round, certificate=certificate,
                                version=version, action=action)
    sql, params = insert_rows([rendered])
    quote = connection.ops.quote_name
    key = ", ".join(quote(RenderedDocument._meta.get_field(name).column) for name in ("application", "kind", "round"))
    with connection.cursor() as cursor:  # the row's unique key: a row already there is kept, its id read
        prepared.execute(cursor, f"{sql} ON CONFLICT ({key}) DO UPDATE SET {quote('round')} = EXCLUDED.{quote('round')} "
                       f"RETURNING {quote('id')}", params)
        rendered.pk = cursor.fetchone()[0]
    rendered._state.adding, rendered._state.db = False, connection.alias
    outbox.schedule("documents.render", rendered.pk)  # rendered by the worker, re-sent until done
    return rendered


def rendered_render(*, rendered_id: int, force: bool = False) -> RenderedDocument:
    """Render and store one PDF. Idempotent: a rendered PDF still on disk is left as it is."""
    with transaction.atomic():
        rendered = (
            RenderedDocument.objects.select_for_update(of=("self",))
            .select_related("application__agency", "application__rule_set", "certificate__agency", "certificate__current",
                            "version", "action__by")
            .get(pk=rendered_id)
        )
        if (not force and rendered.state == RenderedDocument.State.READY and rendered.file
                and private_storage.exists(rendered.file.name)):
            return rendered
        if rendered.kind == Kind.CERTIFICATE:
            certificate_sign(version=rendered.version)
        template, context = context_for(rendered)
        pdf, pages = render_pdf_pages(template, context)
        if rendered.kind in SIGNED_KINDS:
            pdf = sign_pdf(pdf, key=_signing_key()[0], reason=str(rendered.get_kind_display()))
        name = f"issued/{rendered.application_id}/{rendered.kind}-{rendered.round}.pdf"
        if private_storage.exists(name):
            private_storage.delete(name)
        rendered.file.save(name, ContentFile(pdf), save=False)
        rendered.sha256, rendered.size, rendered.pages = hashlib.sha256(pdf).hexdigest(), len(pdf), pages
        rendered.state, rendered.error, rendered.rendered_at = RenderedDocument.State.READY, "", timezone.now()
        rendered.attempts += 1
        rendered.save()
        return rendered


def rendered_failed(*, rendered_id: int, error: str) -> None:
    """Record a failed attempt (the task retries; the admin can render again)."""
    from django.db.models import F

    RenderedDocument.objects.filter(pk=rendered_id).exclude(state=RenderedDocument.State.READY).update(
        state=RenderedDocument.State.FAILED, error=error[:2000], attempts=F("attempts") + 1
    )
