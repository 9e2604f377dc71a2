"""What the application types and the commitment track add to the lifecycle: the certificate an
application concerns, the renewal window, the changes, the commitment letter and its verification,
and what issuing means for each type (a first certificate, or a new version of the one concerned).
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from approvals.exceptions import TransitionRefused
from approvals.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateStatus,
    RuleSet,
    User,
)
from approvals.models.applications import CERTIFICATE_TYPES, OPEN_STATES, ApplicationTrack, ApplicationType, ChangeKind
from approvals.models.certificates import VALIDITY_YEARS

from . import certificates
from .lifecycle import _require, _transition

T = ApplicationType


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _day(value: date) -> str:
    return date_format(value, "Y年n月j日")


# --- the certificate concerned ------------------------------------------------------------------
def certificate_by_number(*, number: str, agency_id: int | None) -> Certificate:
    """The agency's own certificate with this number (a current or superseded number)."""
    number = (number or "").strip()
    found = Certificate.objects.filter(agency_id=agency_id).filter(number=number).first()
    if found is None:
        found = Certificate.objects.filter(agency_id=agency_id, versions__number=number).distinct().first()
    if found is None:
        raise ValidationError({"certificate": _("本机构没有编号为“%(number)s”的证书。") % {"number": number}})
    return found


def renewal_window(*, certificate: Certificate, rule_set: RuleSet) -> tuple[date, date]:
    """The days between which a renewal may be filed: from ``renewal_opens_months`` to
    ``renewal_closes_months`` before the certificate's expiry (rule-set data)."""
    expires = certificate.expires_on
    return add_months(expires, -rule_set.renewal_opens_months), add_months(expires, -rule_set.renewal_closes_months)


def _check_subject(application: Application, rule_set: RuleSet, today: date) -> None:
    """The certificate a renewal, change, extension or cancellation names: the agency's own, still in
    force, and for a renewal, inside the renewal window."""
    if application.application_type not in CERTIFICATE_TYPES:
        if application.subject_certificate_id:
            raise ValidationError({"certificate": _("首次申请不涉及已有证书。")})
        return
    certificate = application.subject_certificate
    if certificate is None:
        raise ValidationError({"certificate": _("请填写本申请所涉及的证书编号。")})
    if certificate.agency_id != application.agency_id:
        raise ValidationError({"certificate": _("该证书不属于本机构。")})
    allowed = [CertificateStatus.VALID]
    if application.application_type == T.CANCELLATION:
        allowed.append(CertificateStatus.SUSPENDED)
    status = certificate.status_on(today)
    if status not in allowed:
        raise ValidationError({"certificate": _("证书当前状态为“%(status)s”，不能办理此类申请。") % {
            "status": CertificateStatus(status).label}})
    if application.application_type == T.RENEWAL:
        opens, closes = renewal_window(certificate=certificate, rule_set=rule_set)
        if not opens <= today <= closes:
            raise ValidationError({"certificate": _(
                "延续申请应在%(opens)s至%(closes)s之间提出（证书有效期至%(expires)s，届满%(months)s个月前截止）。"
            ) % {"opens": _day(opens), "closes": _day(closes), "expires": _day(certificate.expires_on),
                 "months": rule_set.renewal_closes_months}})
    busy = (Application.objects.filter(subject_certificate=certificate, status__in=_OPEN_SUBMITTED)
            .exclude(pk=application.pk).first())
    if busy is not None:
        raise ValidationError({"certificate": _("该证书已有办理中的申请（%(reference)s）。") % {"reference": busy.reference}})


# Submitted and not ended: an application the certificate is already the subject of.
_OPEN_SUBMITTED = [s for s in OPEN_STATES if s != ApplicationStatus.DRAFT]


def clean_changes(changes: Any) -> list[dict[str, Any]]:
    """A change application's list of changes: each a known kind with its new value."""
    if not isinstance(changes, list):
        raise ValidationError({"changes": _("变更事项应为列表。")})
    cleaned, errors, seen = [], {}, set()
    for index, raw in enumerate(changes, start=1):
        kind = str((raw or {}).get("kind", "")).strip() if isinstance(raw, dict) else ""
        value = raw.get("value") if isinstance(raw, dict) else None
        if kind not in ChangeKind.values:
            errors[f"changes[{index}]"] = [_("未知的变更类型“%(kind)s”。") % {"kind": kind}]
            continue
        if kind in seen:
            errors[f"changes[{index}]"] = [_("同一变更类型只能填写一次。")]
            continue
        seen.add(kind)
        if kind == ChangeKind.CANCELLED_ITEMS:
            try:
                value = sorted({int(seq) for seq in (value if isinstance(value, list) else str(value).split(","))})
            except (TypeError, ValueError):
                errors[f"changes[{index}]"] = [_("取消的项目请填写能力范围序号，以逗号分隔。")]
                continue
        elif kind == ChangeKind.STANDARDS:
            rows = value if isinstance(value, list) else []
            try:
                value = [{"seq": int(r["seq"]), "standard": str(r["standard"]).strip()} for r in rows]
            except (KeyError, TypeError, ValueError):
                value = []
            if not value or any(not r["standard"] for r in value):
                errors[f"changes[{index}]"] = [_("标准变更请逐项填写能力范围序号和新的标准（方法）。")]
                continue
        else:
            value = str(value or "").strip()
            if not value or len(value) > 1000:
                errors[f"changes[{index}]"] = [_("请填写变更后的内容（不超过1000字）。")]
                continue
        cleaned.append({"kind": kind, "value": value})
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- the commitment track -----------------------------------------------------------------------
@transaction.atomic
def commitment_sign(*, application: Application, by: User) -> Application:
    """告知承诺书: the applicant signs, online, the letter of the rule set in force; signer and time kept."""
    if application.status != ApplicationStatus.DRAFT:
        raise TransitionRefused(_("只有草稿可以签署告知承诺书。"), current_status=application.status)
    if application.track != ApplicationTrack.COMMITMENT:
        raise ValidationError({"track": _("只有告知承诺程序需要签署承诺书。")})
    if by.agency_id != application.agency_id:
        raise ValidationError({"commitment": _("承诺书须由申请机构本机构的用户签署。")})
    rule_set = RuleSet.in_force_on(timezone.localdate())
    if not rule_set.commitment_letter.strip():
        raise ValidationError({"commitment": _("现行规则未提供告知承诺书文本，暂不能适用告知承诺。")})
    application.commitment_text = rule_set.commitment_letter
    application.commitment_signed_at, application.commitment_signed_by = timezone.now(), by
    application.save(update_fields=["commitment_text", "commitment_signed_at", "commitment_signed_by", "updated"])
    return application


def _check_commitment(application: Application, rule_set: RuleSet, today: date) -> None:
    if application.track != ApplicationTrack.COMMITMENT:
        return
    errors = []
    if application.application_type not in rule_set.commitment_types:
        errors.append(_("现行规则不允许%(type)s申请适用告知承诺。") % {"type": application.get_application_type_display()})
    if application.field_code in rule_set.commitment_excluded_fields:
        errors.append(_("该检验检测领域不适用告知承诺，请按一般程序申请。"))
    barred = application.agency.commitment_barred_until
    if barred and today <= barred:
        errors.append(_("因承诺不实被撤销许可，本机构在%(day)s前不得适用告知承诺，请按一般程序申请。") % {"day": _day(barred)})
    withdrawn = (Application.objects.filter(agency_id=application.agency_id, track=ApplicationTrack.COMMITMENT,
                                            application_type=application.application_type,
                                            status=ApplicationStatus.WITHDRAWN)
                 .exclude(pk=application.pk).order_by("-updated").first())
    if withdrawn is not None and not Application.objects.filter(
            agency_id=application.agency_id, track=ApplicationTrack.ORDINARY,
            application_type=application.application_type, submitted_at__gt=withdrawn.updated).exists():
        errors.append(_("本机构撤回了告知承诺申请（%(reference)s），须按一般程序重新申请。") % {"reference": withdrawn.reference})
    if application.commitment_signed_at is None:
        errors.append(_("请先签署告知承诺书。"))
    if errors:
        raise ValidationError({"track": errors})


def submission_check(*, application: Application, rule_set: RuleSet, today: date) -> None:
    """What a type or the commitment track requires at submission, beyond the form itself."""
    errors: dict[str, list[str]] = {}
    for check in (_check_subject, _check_commitment):
        try:
            check(application, rule_set, today)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if application.application_type == T.CHANGE:
        if not application.changes:
            errors.setdefault("changes", []).append(_("请至少填写一项变更事项。"))
    if application.application_type == T.CANCELLATION and not application.cancellation_reason:
        errors.setdefault("cancellation_reason", []).append(_("请选择注销原因。"))
    if errors:
        raise ValidationError(errors)


# --- 发证 for every type ---------------------------------------------------------------------------
def _renewed_expiry(application: Application, today: date) -> date:
    rule_set = application.rule_set
    old = application.subject_certificate.expires_on
    if rule_set.renewal_from_expiry and old >= today:
        return certificates.add_years(old, VALIDITY_YEARS)
    return certificates.add_years(today, VALIDITY_YEARS) - timedelta(days=1)


def _scope_rows(items) -> list[dict[str, Any]]:
    from .drafts import SCOPE_FIELDS

    return [{f: getattr(item, f) for f in ("seq", *SCOPE_FIELDS)} for item in items]


def _changed_content(application: Application, current) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    header: dict[str, Any] = {}
    scope = None
    for change in application.changes:
        kind, value = change["kind"], change["value"]
        if kind == ChangeKind.NAME:
            header["agency_name"] = value
        elif kind == ChangeKind.ADDRESS:
            header["address"] = value
        elif kind == ChangeKind.SITE:
            header["test_sites"] = value
        elif kind == ChangeKind.SIGNATORY:
            header["signatories"] = value
        elif kind == ChangeKind.CANCELLED_ITEMS:
            scope = [row for row in (scope or current.scope) if row["seq"] not in set(value)]
        elif kind == ChangeKind.STANDARDS:
            new = {row["seq"]: row["standard"] for row in value}
            scope = [{**row, "standard": new.get(row["seq"], row["standard"])} for row in (scope or current.scope)]
    return header, scope


@transaction.atomic(savepoint=False)
def licence_issue(*, application: Application, by: User):
    """发证: a first application gets a new certificate; a renewal, change or extension a new version
    of the certificate it concerns (renewal: the full approved scope and a new validity; change: the
    changed header or annex, same number and expiry; extension: the approved new items merged into
    the annex, same number and expiry)."""
    kind = application.application_type
    if kind == T.INITIAL:
        return certificates.certificate_issue(application=application, by=by)
    if kind not in (T.RENEWAL, T.CHANGE, T.EXTENSION):
        raise TransitionRefused(_("此类申请不发证。"), current_status=application.status)
    certificate = application.subject_certificate
    today = timezone.localdate()
    _transition(application, "certify", by=by)
    current = certificate.current
    approved = list(application.scope_items.filter(approved=True).order_by("seq"))
    header: dict[str, Any] = {}
    scope = None
    expires_on = None
    new_number = False
    if kind == T.RENEWAL:
        scope = _scope_rows(approved)
        header = {"test_sites": application.test_sites, "signatories": application.authorised_signatories,
                  "agency_name": application.agency.name, "address": application.agency.address}
        expires_on = _renewed_expiry(application, today)
        new_number = application.rule_set.renewal_new_number
    elif kind == T.CHANGE:
        header, scope = _changed_content(application, current)
    else:  # extension
        rows = list(current.scope)
        start = max((row["seq"] for row in rows), default=0)
        scope = rows + [{**row, "seq": start + index} for index, row in enumerate(_scope_rows(approved), start=1)]
    return certificates.certificate_new_version(
        certificate=certificate, application=application, by=by, scope=scope, header=header or None,
        expires_on=expires_on, new_number=new_number,
    )


@transaction.atomic(savepoint=False)
def cancellation_approve(*, application: Application, by: User, comment: str = "") -> Application:
    """准予注销: the certificate is cancelled from today, with the application's reason; nothing is issued."""
    from .lifecycle import _decide

    _decide(application, "approve", by, comment)
    reason = application.get_cancellation_reason_display()
    if comment:
        reason = f"{reason}：{comment}"
    certificates.certificate_cancel(certificate=application.subject_certificate, by=by, reason=reason,
                                    on=timezone.localdate())
    return application


# --- 核查: the commitment's post-verification ----------------------------------------------------------
@transaction.atomic(savepoint=False)
def commitment_confirm(*, application: Application, by: User, comment: str = "") -> Application:
    """核查属实: the commitment was true; the certificate stands."""
    _transition(application, "confirm_commitment", by=by, comment=comment)
    return application


@transaction.atomic(savepoint=False)
def commitment_false(*, application: Application, by: User, reason: str) -> Application:
    """承诺不实: the licence is revoked (撤销) with reasons, published on the certificate's public page,
    and the agency is barred from the commitment track for the rule set's number of years."""
    reason = _require(reason, "comment")
    _transition(application, "revoke_false_commitment", by=by, comment=reason)
    today = timezone.localdate()
    certificate = application.subject_certificate or Certificate.objects.get(application=application)
    certificates.certificate_revoke(certificate=certificate, by=by, reason=reason, on=today)
    agency = application.agency
    years = application.rule_set.false_commitment_bar_years if application.rule_set else 3
    agency.commitment_barred_until = certificates.add_years(today, years)
    agency.save(update_fields=["commitment_barred_until"])
    return application
