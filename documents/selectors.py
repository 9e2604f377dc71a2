"""Reads: the catalogue, an application's document checklist, reusable documents, the issued PDFs
and the public check of a certificate. Each runs a fixed number of queries (the tests count them)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from approvals.models import Application, Certificate, Deficiency, RuleSet, User
from compiled import CompiledRead

from .models import Document, DocumentRequirement, RenderedDocument, VerificationKey
from .signing import PAYLOAD_SCHEMA
from .verification import (  # noqa: F401  (the public check's reads)
    CertificateCheck,
    certificate_check,
    certificate_state,
    normalise_certificate_number,
)


def rule_set_for(application: Application) -> RuleSet:
    """The rule set whose catalogue applies: the one the application was submitted under, or for a
    draft the one in force today."""
    return application.rule_set or RuleSet.in_force_on(timezone.localdate())


def catalogue(*, rule_set: RuleSet, application_type: str, track: str) -> QuerySet:
    """The required-document catalogue of one rule set, application type and track."""
    return DocumentRequirement.objects.for_catalogue(
        rule_set=rule_set, application_type=application_type, track=track
    ).select_related("rule_set").order_by("order", "code")


def catalogued_pairs(*, rule_set: RuleSet) -> set[tuple[str, str]]:
    """The (application type, track) pairs the rule set has a document catalogue for."""
    return set(
        DocumentRequirement.objects.filter(rule_set=rule_set).values_list("application_type", "track").distinct()
    )


def requirements_for(application: Application) -> QuerySet:
    return catalogue(rule_set=rule_set_for(application), application_type=application.application_type,
                     track=application.track)


def months_before(moment: datetime, months: int) -> datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, 28)  # a cut-off a few days generous at month ends is fine here
    return moment.replace(year=year, month=month + 1, day=day)


STATE_LABELS = {
    "shared": gettext_lazy("政务数据共享获取，无需提交"), "provided": gettext_lazy("已提交"),
    "reused": gettext_lazy("已复用此前提交的材料"), "answered": gettext_lazy("已补正，待重新提交"),
    "rejected": gettext_lazy("需补正"), "missing": gettext_lazy("未提交"), "optional": gettext_lazy("选交（未提交）"),
}


@dataclass
class RequirementStatus:
    """Where one catalogue requirement stands for an application."""

    requirement: DocumentRequirement
    documents: list[Document] = field(default_factory=list)
    deficiencies: list[Deficiency] = field(default_factory=list)
    reusable: list[Document] = field(default_factory=list)

    @property
    def accepted_documents(self) -> list[Document]:
        return [doc for doc in self.documents if doc.rejected_at is None]

    @property
    def state(self) -> str:
        """shared (obtained by data sharing), provided, rejected (sent back), missing or optional."""
        if self.requirement.via_data_sharing:
            return "shared"
        if self.accepted_documents:
            return "answered" if self.deficiencies else "provided"
        if self.deficiencies or self.documents:
            return "rejected"
        return "missing" if self.requirement.mandatory else "optional"

    @property
    def is_reused(self) -> bool:
        """Met by documents reused from earlier applications only (no new upload)."""
        accepted = self.accepted_documents
        return bool(accepted) and all(doc.is_reuse for doc in accepted)

    @property
    def state_label(self) -> str:
        if self.state == "provided" and self.is_reused:
            return STATE_LABELS["reused"]
        return STATE_LABELS[self.state]

    @property
    def is_satisfied(self) -> bool:
        return self.state in ("shared", "provided", "answered", "optional")


def reusable_documents(*, application: Application, requirements: list[DocumentRequirement]) -> dict[str, list[Document]]:
    """Still-valid documents the agency supplied with its earlier applications, per requirement code.

    Only originals (a reuse points at its original), from submitted applications, never sent back
    in any application they served, and within the requirement's reuse period.
    """
    now = timezone.now()
    by_code = {req.code: req for req in requirements if req.reusable_months is not None and not req.via_data_sharing}
    if not by_code:
        return {}
    candidates = (
        Document.objects.current()
        .filter(application__agency_id=application.agency_id, application__submitted_at__isnull=False,
                reused_from__isnull=True, rejected_at__isnull=True, requirement__code__in=list(by_code))
        .exclude(application=application)
        .exclude(reuses__rejected_at__isnull=False)
        .select_related("application", "requirement")
        .order_by("-uploaded_at", "-id")
    )
    result: dict[str, list[Document]] = {}
    seen: set[tuple[str, str]] = set()
    for doc in candidates:
        code = doc.requirement.code
        if doc.uploaded_at < months_before(now, by_code[code].reusable_months) or (code, doc.sha256) in seen:
            continue
        seen.add((code, doc.sha256))
        result.setdefault(code, []).append(doc)
    return result


def checklist(*, application: Application, with_reusable: bool = True) -> list[RequirementStatus]:
    """Every catalogue requirement with the application's documents, the open supplement points
    and the documents that may be reused. Four queries whatever the size."""
    requirements = list(requirements_for(application))
    documents = (
        Document.objects.current().filter(application=application)
        .select_related("requirement", "reused_from__application", "uploaded_by").order_by("uploaded_at", "id")
    )
    # Matched by code, not by catalogue row: a draft begun under one rule set and submitted after
    # a reform keeps every document the new catalogue still asks for.
    by_code: dict[str, list[Document]] = {}
    for doc in documents:
        by_code.setdefault(doc.requirement.code, []).append(doc)
    reusable = reusable_documents(application=application, requirements=requirements) if with_reusable else {}
    return _statuses(requirements, by_code, _open_points(application), reusable)


@dataclass(frozen=True, slots=True)
class DocumentMark:
    """What a checklist's states read of a document: whether it was sent back, whether it is a reuse."""

    rejected_at: datetime | None
    reused_from_id: int | None

    @property
    def is_reuse(self) -> bool:
        return self.reused_from_id is not None


def checklist_states(*, application: Application, deficiencies: list[Deficiency] | None = None) -> list[RequirementStatus]:
    """The checklist as the application page's card shows it: each requirement's state, its documents
    read as ``DocumentMark`` (no file, uploader or origin). Two queries (the catalogue; the documents'
    codes and marks), the open supplement points taken from ``deficiencies`` (all of the application's)
    when the page has read them already, else a third. The requirements come without their rule set
    (nothing here reads it; the join was half the catalogue query's cost)."""
    requirements = _CHECKLIST_CATALOGUE.all(rule_set=rule_set_for(application).pk,
                                            application_type=application.application_type, track=application.track)
    by_code: dict[str, list[DocumentMark]] = {}
    for document in _CHECKLIST_DOCUMENTS.all(application=application.pk):
        by_code.setdefault(document.requirement.code, []).append(
            DocumentMark(document.rejected_at, document.reused_from_id))
    return _statuses(requirements, by_code, _open_points(application, deficiencies), {})


# What the checklist's states and their readers (the card, ``missing``) read of a requirement: its code,
# names and whether it is asked for. Its description and formats (a JSON list decoded per requirement)
# are the documents page's, which reads the full checklist.
STATE_FIELDS = ("code", "name", "name_en", "mandatory", "via_data_sharing")

# The checklist's two reads compiled once per process (the ``compiled`` package): the catalogue (its
# requirements without their rule set) and the documents' marks.
_CHECKLIST_CATALOGUE = CompiledRead(
    lambda rule_set, application_type, track: DocumentRequirement.objects.for_catalogue(
        rule_set=rule_set, application_type=application_type, track=track).only(*STATE_FIELDS)
    .order_by("order", "code"),
    "rule_set", "application_type", "track")
_CHECKLIST_DOCUMENTS = CompiledRead(
    lambda application: Document.objects.current().filter(application_id=application).select_related("requirement")
    .only("rejected_at", "reused_from_id", "requirement__code").order_by("uploaded_at", "id"),
    "application")


def _open_points(application: Application, deficiencies: list[Deficiency] | None = None) -> dict[str, list[Deficiency]]:
    """The unanswered supplement points that name a document, per document code, in the model's order."""
    if deficiencies is None:
        points = list(application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT, resolved_at__isnull=True)
                      .exclude(document_code=""))
    else:
        points = sorted((d for d in deficiencies if d.kind == Deficiency.Kind.SUPPLEMENT and d.resolved_at is None
                         and d.document_code), key=lambda d: (d.kind, d.round, d.pk))
    open_points: dict[str, list[Deficiency]] = {}
    for row in points:
        open_points.setdefault(row.document_code, []).append(row)
    return open_points


def _statuses(requirements, by_code, open_points, reusable) -> list[RequirementStatus]:
    statuses = []
    for req in requirements:
        docs = by_code.get(req.code, [])
        used = {d.reused_from_id or d.pk for d in docs} if reusable else set()
        statuses.append(RequirementStatus(
            requirement=req, documents=docs, deficiencies=open_points.get(req.code, []),
            reusable=[d for d in reusable.get(req.code, []) if d.pk not in used],
        ))
    return statuses


def missing(*, application: Application) -> list[RequirementStatus]:
    """The requirements not yet met: what a submission lacks."""
    return [status for status in checklist_states(application=application) if not status.is_satisfied]


def visible_documents(*, user: User) -> QuerySet:
    """Uploaded documents of the applications the user may see."""
    return Document.objects.current().filter(application__in=Application.objects.visible_to(user))


def visible_rendered(*, user: User) -> QuerySet:
    """Issued PDFs of the applications the user may see."""
    return RenderedDocument.objects.filter(application__in=Application.objects.visible_to(user))


def visible_certificates(*, user: User) -> QuerySet:
    """The certificates of the applications the user may see (an agency's own; every one for officials)."""
    return Certificate.objects.filter(application__in=Application.objects.visible_to(user))


def rendered_for(*, application: Application) -> list[RenderedDocument]:
    return list(application.rendered_documents.select_related("certificate", "version").order_by("created", "id"))


# What the application page's card reads of an issued PDF: its state and file name (which names the
# certificate version or the certificate). A version row carries the whole certificate content (the
# approved scope as JSON, the signature); the card needs two of its columns.
CARD_FIELDS = ("id", "application_id", "kind", "round", "certificate_id", "version_id", "action_id", "state",
               "certificate__number", "version__number", "version__version")


_RENDERED_FOR_CARD = CompiledRead(  # compiled once per process: the application page reads it on every view
    lambda application: RenderedDocument.objects.filter(application_id=application)
    .select_related("certificate", "version").only(*CARD_FIELDS).order_by("created", "id"),
    "application")


def rendered_for_card(*, application: Application) -> list[RenderedDocument]:
    """``rendered_for`` with only what the documents card shows of each PDF (its state and file name)."""
    return _RENDERED_FOR_CARD.all(application=application.pk, known={"application": application})


def certificate_documents(*, certificate: Certificate) -> list[RenderedDocument]:
    """Every PDF of a certificate: each version's certificate and each decision's letter."""
    return list(RenderedDocument.objects.filter(certificate=certificate)
                .select_related("certificate", "version", "application").order_by("created", "id"))


def published_keys() -> dict:
    """The public key set: every key that ever signed (retired ones too, so old certificates still
    verify), each with its Ed25519 public key and the X.509 certificate of the PDFs' signatures."""
    from django.conf import settings

    return {
        "issuer": settings.CMA_AUTHORITY_NAME,
        "payload_schema": PAYLOAD_SCHEMA,
        "keys": [
            {"key_id": key.key_id, "algorithm": key.algorithm, "public_key": key.public_key,
             "x509_certificate": key.x509_pem or None, "first_used": key.first_used.isoformat(),
             "retired": key.retired}
            for key in VerificationKey.objects.order_by("first_used", "id")
        ],
    }




@dataclass(frozen=True)
class DocumentCounts:
    """The documents side of the five reductions (减申请材料) for one catalogue or application."""

    required: int  # catalogue entries that are mandatory
    requested: int  # of those, what the applicant must upload (not obtained by data sharing)
    shared: int  # obtained through government data sharing instead
    uploaded: int = 0  # files the applicant uploaded (current, including supplements)
    reused: int = 0  # earlier documents reused instead of an upload
    supplement_rounds: int = 0


def catalogue_counts(*, rule_set: RuleSet, application_type: str, track: str) -> DocumentCounts:
    """How many documents a rule set's catalogue requires and requests: compare two rule sets to
    measure the reduction."""
    rows = list(catalogue(rule_set=rule_set, application_type=application_type, track=track)
                .filter(mandatory=True).values_list("via_data_sharing", flat=True))
    return DocumentCounts(required=len(rows), requested=rows.count(False), shared=rows.count(True))


def application_counts(*, application: Application) -> DocumentCounts:
    """What an application actually supplied: uploads, reuses and supplement rounds."""
    base = catalogue_counts(rule_set=rule_set_for(application), application_type=application.application_type,
                            track=application.track)
    documents = Document.objects.current().filter(application=application)
    rounds = application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT).values("round").distinct().count()
    return DocumentCounts(
        required=base.required, requested=base.requested, shared=base.shared,
        uploaded=documents.filter(reused_from__isnull=True).count(),
        reused=documents.filter(reused_from__isnull=False).count(), supplement_rounds=rounds,
    )
