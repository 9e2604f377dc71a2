"""What each issued document says: the template and the context of every kind of PDF."""

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from approvals.models import Application, CertificateAction, CertificateVersion, Deficiency, StatusChange

from .models import CertificateSignature, DocumentRequirement, RenderedDocument
from .rendering import qr_png
from .signing import certificate_payload

Kind = RenderedDocument.Kind
TEMPLATES = {
    Kind.ACCEPTANCE_NOTICE: "documents/pdf/acceptance_notice.html",
    Kind.SUPPLEMENT_NOTICE: "documents/pdf/supplement_notice.html",
    Kind.REFUSAL_NOTICE: "documents/pdf/refusal_notice.html",
    Kind.DECISION_LETTER: "documents/pdf/decision_letter.html",
    Kind.CERTIFICATE: "documents/pdf/certificate.html",
    Kind.SUSPENSION_LETTER: "documents/pdf/certificate_letter.html",
    Kind.RESTORATION_LETTER: "documents/pdf/certificate_letter.html",
    Kind.REVOCATION_LETTER: "documents/pdf/certificate_letter.html",
    Kind.CANCELLATION_LETTER: "documents/pdf/certificate_letter.html",
}
LETTER_PREFIX = {
    Kind.SUSPENSION_LETTER: "停字", Kind.RESTORATION_LETTER: "复字", Kind.REVOCATION_LETTER: "撤字",
    Kind.CANCELLATION_LETTER: "注字",
}
# The transition whose audit row dates each notice.
DATED_BY = {
    Kind.ACCEPTANCE_NOTICE: ["accept"],
    Kind.SUPPLEMENT_NOTICE: ["request_supplement"],
    Kind.REFUSAL_NOTICE: ["refuse"],
    Kind.DECISION_LETTER: ["approve", "approve_partially", "deny"],
}
DOC_PREFIX = {
    Kind.ACCEPTANCE_NOTICE: "受字",
    Kind.SUPPLEMENT_NOTICE: "补字",
    Kind.REFUSAL_NOTICE: "不受字",
    Kind.DECISION_LETTER: "许字",
}


def verify_url(number: str, version: int | None = None) -> str:
    """The public verification URL: of a certificate (its current version), or of one version (what
    that version's QR code carries, so an old printout still says it has been superseded)."""
    if version is None:
        return settings.SITE_URL + reverse("documents:verify", args=[number])
    return settings.SITE_URL + reverse("documents:verify-version", args=[number, version])


def _change(application: Application, names: list[str], nth: int = 1) -> StatusChange | None:
    changes = list(application.status_changes.filter(transition__in=names).order_by("at", "id"))
    return changes[nth - 1] if len(changes) >= nth else None


def _day(moment) -> date:
    return timezone.localdate(moment) if moment else timezone.localdate()


def requirement_names(application: Application) -> dict[str, str]:
    rule_set = application.rule_set
    if rule_set is None:
        return {}
    return dict(
        DocumentRequirement.objects.filter(
            rule_set=rule_set, application_type=application.application_type, track=application.track
        ).values_list("code", "name")
    )


def notice_context(rendered: RenderedDocument) -> dict:
    application = rendered.application
    change = _change(application, DATED_BY[rendered.kind], rendered.round)
    issued_on = _day(change.at if change else None)
    rule_set = application.rule_set
    context = {
        "title": rendered.get_kind_display(),
        "application": application,
        "authority": settings.CMA_AUTHORITY_NAME,
        "issued_on": issued_on,
        "doc_number": f"{DOC_PREFIX[rendered.kind]}〔{issued_on.year}〕第{application.pk:06d}-{rendered.round}号",
        "submitted_on": _day(application.submitted_at),
    }
    if rendered.kind == Kind.ACCEPTANCE_NOTICE:
        context.update(
            accepted_on=issued_on, scope_count=application.scope_items.count(),
            review_days=rule_set.review_days, decision_days=rule_set.decision_days,
            rectification_days=rule_set.rectification_days,
        )
    elif rendered.kind == Kind.SUPPLEMENT_NOTICE:
        names = requirement_names(application)
        rows = application.deficiencies.filter(kind=Deficiency.Kind.SUPPLEMENT, round=rendered.round)
        context.update(
            round=rendered.round, supplement_days=rule_set.supplement_days,
            deficiencies=[
                {"requirement_name": names.get(row.document_code, row.document_code), "description": row.description}
                for row in rows
            ],
        )
    elif rendered.kind == Kind.REFUSAL_NOTICE:
        context["reason"] = change.comment if change else ""
    elif rendered.kind == Kind.DECISION_LETTER:
        context.update(
            outcome={"approve": "approved", "approve_partially": "partially_approved", "deny": "denied"}.get(
                change.transition if change else "", application.status),
            approved_count=application.scope_items.filter(approved=True).count(),
            refused_items=list(application.scope_items.filter(approved=False).order_by("seq"))
            if change and change.transition == "approve_partially" else [],
        )
    return context


def certificate_context(version: CertificateVersion, signature: CertificateSignature | None) -> dict:
    payload = certificate_payload(version)
    url = verify_url(version.number, version.version)
    return {
        "title": f"检验检测机构资质认定证书 {version.number}",
        "authority": version.issuing_authority,
        "certificate": version,
        "scope": payload["scope"],
        "signatories": payload["authorised_signatories"],
        "verify_url": url,
        "qr_src": qr_png(url),
        "key_id": signature.key.key_id if signature else "",
    }


def letter_context(rendered: RenderedDocument) -> dict:
    """A decision on a certificate (暂停, 恢复, 撤销, 注销), addressed to the holder as the certificate names it."""
    action = rendered.action
    certificate = rendered.certificate
    version = certificate.current
    issued_on = timezone.localdate(action.at)
    suspended_on = None
    if action.kind == CertificateAction.Kind.RESTORE:
        suspended_on = (certificate.actions.filter(kind=CertificateAction.Kind.SUSPEND, seq__lt=action.seq)
                        .order_by("-seq").values_list("effective_on", flat=True).first())
    return {
        "title": rendered.get_kind_display(),
        "doc_number": f"{LETTER_PREFIX[rendered.kind]}〔{issued_on.year}〕第{certificate.number}-{action.seq}号",
        "authority": version.issuing_authority,
        "action": action,
        "version": version,
        "issued_on": issued_on,
        "suspended_on": suspended_on,
        "verify_url": verify_url(certificate.number),
    }


def context_for(rendered: RenderedDocument) -> tuple[str, dict]:
    """The template and context that render ``rendered``."""
    if rendered.kind == Kind.CERTIFICATE:
        version = rendered.version
        signature = CertificateSignature.objects.select_related("key").filter(version=version).first()
        return TEMPLATES[rendered.kind], certificate_context(version, signature)
    if rendered.action_id:
        return TEMPLATES[rendered.kind], letter_context(rendered)
    return TEMPLATES[rendered.kind], notice_context(rendered)
