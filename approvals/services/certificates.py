"""发证 and the certificate's lifecycle: numbering, issue (version 1), new versions, and the status
decisions (暂停, 恢复, 撤销, 注销).

Content is never edited: a renewal, change or extension writes a new immutable version and moves
the certificate's ``current`` pointer. Every write locks the certificate row first, so two
decisions on one certificate are taken one after the other and the second sees the first. Who may
take a decision is checked by the caller (the official pages and API check the
``decide_certificate_status`` permission; a procedure checks its own task's permission). The
signature, PDF and letters are the documents side's business (``documents.services.certificate_publish``).
"""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import prepared
from approvals.exceptions import TransitionRefused
from approvals.models import (
    Application,
    Certificate,
    CertificateAction,
    CertificateSerial,
    CertificateStatus,
    CertificateVersion,
    User,
)
from approvals.models.certificates import CONTENT_FIELDS, VALIDITY_YEARS
from audit.services import audit_record
from writebehind import insert_row, later_update

from .drafts import SCOPE_FIELDS
from .lifecycle import _transition

# Header fields a new version may change (the rest of the content follows the procedure: dates, scope).
HEADER_FIELDS = ("agency_name", "credit_code", "address", "test_sites", "signatories")
MAX_REASON = 2000
Kind = CertificateAction.Kind
S = CertificateStatus
# Which register status each decision may start from, and where it leads.
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    Kind.SUSPEND: ((S.VALID,), S.SUSPENDED),
    Kind.RESTORE: ((S.SUSPENDED,), S.VALID),
    Kind.REVOKE: ((S.VALID, S.SUSPENDED), S.REVOKED),
    Kind.CANCEL: ((S.VALID, S.SUSPENDED), S.CANCELLED),
}


def _allocate_number(*, year: int, field_code: str, industry_code: str) -> str:
    prefix = f"{year % 100:02d}{settings.CMA_AUTHORITY_CODE}{field_code}{industry_code}"
    # One statement: the prefix's row created at 1 or moved on by one, locked until commit (PostgreSQL
    # and SQLite both have INSERT … ON CONFLICT … RETURNING).
    table = connection.ops.quote_name(CertificateSerial._meta.db_table)
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"INSERT INTO {table} (prefix, last) VALUES (%s, 1) "
                                 f"ON CONFLICT (prefix) DO UPDATE SET last = {table}.last + 1 RETURNING last", [prefix])
        (last,) = cursor.fetchone()
    if last > 9999:
        raise TransitionRefused(_("本年度该类别证书序号已用尽。"))
    return f"{prefix}{last:04d}"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _approved_on(application: Application, today: date) -> date:
    return timezone.localdate(application.decided_at) if application.decided_at else today


def _approved_scope(application: Application) -> list[dict[str, Any]]:
    """The approved items, in order, as the version stores them (dicts with these keys, in this order):
    read as values, with no model instance built for each item."""
    return list(application.scope_items.filter(approved=True).order_by("seq").values("seq", *SCOPE_FIELDS))


@transaction.atomic(savepoint=False)
def certificate_issue(*, application: Application, by: User) -> Certificate:
    """发证: a certificate numbered in the national 12-digit format, valid for six years; its content,
    a snapshot of the agency and the approved application, is version 1."""
    today = timezone.localdate()
    _transition(application, "certify", by=by)
    agency = application.agency
    number = _allocate_number(year=today.year, field_code=application.field_code,
                              industry_code=application.industry_code)
    # Written as their ``save`` would (neither model has save signals; tests/approvals pins that), from
    # statements built once: Django's compiler took longer to build each than the database to run it.
    # Nothing reads the certificate's ``current`` back in the transaction: that write travels with the
    # next statement inside a task completion (writebehind).
    certificate = Certificate(number=number, application=application, agency=agency, issued_by=by)
    insert_row(certificate)
    version = CertificateVersion(
        certificate=certificate, version=1, number=number, application=application, issued_by=by,
        agency_name=agency.name, credit_code=agency.credit_code, address=agency.address,
        test_sites=application.test_sites, signatories=application.authorised_signatories,
        issuing_authority=settings.CMA_AUTHORITY_NAME, approved_on=_approved_on(application, today), issued_on=today,
        expires_on=add_years(today, VALIDITY_YEARS) - timedelta(days=1), scope=_approved_scope(application),
    )
    insert_row(version)
    certificate.current = version  # its id, now that it has one
    later_update(certificate, ["current"])
    audit_record(
        action="certificate.issue", obj=certificate, application_id=application.pk, by=by, summary=number,
        data={"number": number, "version": 1, "agency_name": version.agency_name, "approved_on": version.approved_on,
              "issued_on": today, "expires_on": version.expires_on, "scope_items": len(version.scope)},
    )
    return certificate


def _locked(certificate: Certificate) -> Certificate:
    """The certificate row, locked until commit, with its current version (refreshed: the caller's
    copy may predate a decision another official just took)."""
    locked = Certificate.objects.select_for_update(of=("self",)).select_related("current").get(pk=certificate.pk)
    certificate.status, certificate.status_since, certificate.number = locked.status, locked.status_since, locked.number
    certificate.current = locked.current
    return locked


def _clean_scope(scope: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not isinstance(scope, list) or not scope:
        raise ValidationError({"scope": _("新版本的能力范围不能为空。")})
    cleaned = []
    for index, item in enumerate(scope, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"scope": _("第%(n)d项不是能力范围条目。") % {"n": index}})
        row = {"seq": index, **{f: str(item.get(f) or "").strip() for f in SCOPE_FIELDS}}
        if not row["item"] or not row["standard"]:
            raise ValidationError({"scope": _("第%(n)d项缺少检测对象/项目或依据的标准。") % {"n": index}})
        cleaned.append(row)
    return cleaned


def _clean_header(header: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(header) - set(HEADER_FIELDS))
    if unknown:
        raise ValidationError({"header": _("不能通过新版本修改：%(fields)s。") % {"fields": "、".join(unknown)}})
    cleaned = {name: str(value or "").strip() for name, value in header.items()}
    empty = [name for name, value in cleaned.items() if not value and name != "signatories"]
    if empty:
        raise ValidationError({"header": _("不能为空：%(fields)s。") % {"fields": "、".join(empty)}})
    return cleaned


@transaction.atomic(savepoint=False)
def certificate_new_version(*, certificate: Certificate, application: Application, by: User,
                            scope: list[dict[str, Any]] | None = None, header: dict[str, Any] | None = None,
                            expires_on: date | None = None, new_number: bool = False) -> CertificateVersion:
    """A new version of a certificate (延续, 变更, 扩项): the current content with ``header`` fields
    replaced, ``scope`` as the full new annex (None keeps it), ``expires_on`` (None keeps it) and, with
    ``new_number``, a newly allocated number (the old one still verifies). Issued today.

    The application's own transition is the caller's (its procedure decides which one); the
    application must concern this certificate's agency. Refused on a revoked or cancelled certificate.
    """
    locked = _locked(certificate)
    if locked.status in (S.REVOKED, S.CANCELLED):
        raise TransitionRefused(
            _("证书已%(status)s，不能再发新版本。") % {"status": locked.get_status_display()}, current_status=locked.status)
    if application.agency_id != locked.agency_id:
        raise ValidationError({"application": _("该申请不是本证书持证机构的申请。")})
    today = timezone.localdate()
    previous = locked.current
    content = {name: getattr(previous, name) for name in CONTENT_FIELDS}
    content.update(_clean_header(header or {}))
    if scope is not None:
        content["scope"] = _clean_scope(scope)
    if expires_on is not None:
        if not isinstance(expires_on, date) or expires_on <= today:
            raise ValidationError({"expires_on": _("新的有效期截止日期应晚于今天。")})
        content["expires_on"] = expires_on
    content.update(approved_on=_approved_on(application, today), issued_on=today)
    number = previous.number
    if new_number:
        number = _allocate_number(year=today.year, field_code=application.field_code,
                                  industry_code=application.industry_code)
    version = CertificateVersion.objects.create(
        certificate=locked, version=previous.version + 1, number=number, application=application, issued_by=by,
        **content,
    )
    Certificate.objects.filter(pk=locked.pk).update(current=version, number=number)
    certificate.current, certificate.number = version, number
    audit_record(
        action="certificate.new_version", obj=locked, application_id=application.pk, by=by,
        summary=f"{number} v{version.version}",
        data={"number": number, "version": version.version, "previous_number": previous.number,
              "expires_on": version.expires_on, "scope_items": len(version.scope),
              "header": sorted((header or {}).keys())},
    )
    return version


def _decide(kind: str, *, certificate: Certificate, by: User, reason: str, on: date | None) -> CertificateAction:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明理由。")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("理由最多%(n)d字。") % {"n": MAX_REASON}})
    today = timezone.localdate()
    on = on or today
    if not isinstance(on, date):
        raise ValidationError({"on": _("请填写有效的日期。")})
    locked = _locked(certificate)
    first_issued = locked.versions.order_by("version").values_list("issued_on", flat=True).first()
    if on > today:
        raise ValidationError({"on": _("生效日期不能晚于今天。")})
    if first_issued and on < first_issued:
        raise ValidationError({"on": _("生效日期不能早于发证日期（%(day)s）。") % {"day": first_issued.isoformat()}})
    sources, target = ACTIONS[kind]
    public = locked.status_on(today)
    if locked.status not in sources or (kind == Kind.SUSPEND and public == S.EXPIRED):
        raise TransitionRefused(
            _("证书当前状态（%(status)s）不能%(action)s。") % {
                "status": S(public).label, "action": Kind(kind).label},
            current_status=public,
        )
    last = locked.actions.order_by("-seq").values_list("seq", flat=True).first() or 0
    action = CertificateAction.objects.create(
        certificate=locked, seq=last + 1, kind=kind, source=locked.status, target=target, reason=reason,
        effective_on=on, by=by, at=timezone.now(),
    )
    Certificate.objects.filter(pk=locked.pk).update(status=target, status_since=on)
    certificate.status, certificate.status_since = target, on
    audit_record(
        action=f"certificate.{kind}", obj=locked, application_id=locked.application_id, by=by,
        summary=f"{locked.number} {Kind(kind).label}",
        data={"source": action.source, "target": target, "reason": reason, "effective_on": on, "seq": action.seq},
    )
    return action


@transaction.atomic(savepoint=False)
def certificate_suspend(*, certificate: Certificate, by: User, reason: str, on: date | None = None) -> CertificateAction:
    """暂停: the certificate may not be used from ``on`` (today by default) until restored."""
    return _decide(Kind.SUSPEND, certificate=certificate, by=by, reason=reason, on=on)


@transaction.atomic(savepoint=False)
def certificate_restore(*, certificate: Certificate, by: User, reason: str, on: date | None = None) -> CertificateAction:
    """恢复: a suspended certificate is valid again (until its expiry date)."""
    return _decide(Kind.RESTORE, certificate=certificate, by=by, reason=reason, on=on)


@transaction.atomic(savepoint=False)
def certificate_revoke(*, certificate: Certificate, by: User, reason: str, on: date | None = None) -> CertificateAction:
    """撤销: the qualification is withdrawn (e.g. obtained by deception, a false commitment). Final."""
    return _decide(Kind.REVOKE, certificate=certificate, by=by, reason=reason, on=on)


@transaction.atomic(savepoint=False)
def certificate_cancel(*, certificate: Certificate, by: User, reason: str, on: date | None = None) -> CertificateAction:
    """注销: the certificate ends (own request, dissolution, expiry without renewal, refused renewal). Final;
    an expired certificate may be cancelled."""
    return _decide(Kind.CANCEL, certificate=certificate, by=by, reason=reason, on=on)
