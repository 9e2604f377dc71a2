"""Reads of the public certificate check: a certificate (or one of its versions) by number, its
register status and decisions, whether the version's signature checks, and its history with the
differences between versions. Three or four queries whatever the history's length."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Certificate, CertificateAction, CertificateStatus, CertificateVersion
from compiled import CompiledRows

from .signing import canonical, certificate_payload, verify

SCOPE_KEY = ("category", "item", "parameter")
SCOPE_DETAIL = ("standard", "limitation")
HEADER_LABELS = {
    "number": gettext_lazy("证书编号"),
    "agency_name": gettext_lazy("机构名称"),
    "credit_code": gettext_lazy("统一社会信用代码"),
    "address": gettext_lazy("地址"),
    "test_sites": gettext_lazy("检验检测场所"),
    "signatories": gettext_lazy("授权签字人"),
    "expires_on": gettext_lazy("有效期至"),
}


@dataclass
class AnnexDiff:
    """What a version's annex changed against the previous one. Items are matched by category,
    item and parameter; a changed standard or limitation is a change, not a removal plus an addition."""

    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def annex_diff(old: list[dict], new: list[dict]) -> AnnexDiff:
    def key(item: dict) -> tuple:
        return tuple(str(item.get(k, "")).strip() for k in SCOPE_KEY)

    before = {key(item): item for item in old}
    after = {key(item): item for item in new}
    diff = AnnexDiff()
    for k, item in after.items():
        if k not in before:
            diff.added.append(item)
        elif any(str(before[k].get(d, "")) != str(item.get(d, "")) for d in SCOPE_DETAIL):
            diff.changed.append((before[k], item))
    diff.removed = [item for k, item in before.items() if k not in after]
    return diff


@dataclass
class HistoryRow:
    """One version in a certificate's history, with what it changed against the one before."""

    version: CertificateVersion
    is_current: bool
    header_changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    annex: AnnexDiff = field(default_factory=AnnexDiff)


def _history(versions: list[CertificateVersion], current_id: int | None) -> list[HistoryRow]:
    rows = []
    previous = None
    for version in versions:
        row = HistoryRow(version=version, is_current=version.pk == current_id)
        if previous is not None:
            for name, label in HEADER_LABELS.items():
                before, after = getattr(previous, name), getattr(version, name)
                if before != after:
                    row.header_changes.append((str(label), str(before), str(after)))
            row.annex = annex_diff(previous.scope, version.scope)
        rows.append(row)
        previous = version
    return list(reversed(rows))  # newest first


@dataclass
class CertificateCheck:
    """The public answer about a certificate number (and optionally one version of it)."""

    number: str
    certificate: Certificate | None
    version: CertificateVersion | None = None  # the version shown
    status: str = ""
    status_label: str = ""
    genuine: bool = False
    reason: str = ""
    key_id: str = ""
    signed_at: datetime | None = None
    payload: dict = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    actions: list[CertificateAction] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.version is not None

    @property
    def current(self) -> CertificateVersion | None:
        return self.certificate.current if self.certificate else None

    @property
    def superseded(self) -> bool:
        return self.found and self.version.pk != self.certificate.current_id

    @property
    def superseded_by(self) -> CertificateVersion | None:
        """The version that replaced the one shown (the next one), when it is not current."""
        if not self.superseded:
            return None
        return next(row.version for row in reversed(self.history) if row.version.version == self.version.version + 1)

    @property
    def last_action(self) -> CertificateAction | None:
        return self.actions[-1] if self.actions else None


def certificate_state(number: str) -> tuple | None:
    """What the services can change about the certificate with this (current) number, read in one
    query: its register status and since when, its current version and its last decision. Every
    suspension, restoration, revocation, cancellation, renewal or change moves at least one of them,
    so a public answer kept under this state is never older than the register. None for a number
    that is not a certificate's current one (a replaced number: read in full every time)."""
    rows = _STATE.fetch("state", _state, number=number)
    return rows[0] if rows else None


def _state(*, number: str):
    last_action = CertificateAction.objects.filter(certificate=OuterRef("pk")).order_by("-seq").values("seq")[:1]
    return (Certificate.objects.filter(number=number)
            .values_list("pk", "status", "status_since", "current_id", Subquery(last_action)).order_by("pk")[:1])


# Compiled once per process (the ``compiled`` package): every public verification reads it, and
# compiling it cost more than PostgreSQL took to run it.
_STATE = CompiledRows()


def _find(number: str) -> Certificate | None:
    certificates = Certificate.objects.select_related("agency", "current")
    certificate = certificates.filter(number=number).first()
    if certificate is None:  # a number a renewal replaced still verifies
        certificate = certificates.filter(versions__number=number).first()
    return certificate


# Digits as people type them on a phone or a Chinese keyboard: full-width ０-９ become 0-9 (NFKC),
# and spaces, dashes or dots between the groups are dropped.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－.·・_]+")


def normalise_certificate_number(value: str) -> str:
    """"２６ ２４ ２０００ ０００１" → "262420000001": full-width digits folded (NFKC), separators dropped."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value or "")))


def certificate_check(*, number: str, version: int | None = None, today: date | None = None) -> CertificateCheck:
    """Look a certificate up by number (the current one or one a renewal replaced): its status today,
    its decisions, its history and whether the shown version's signature checks.

    "Genuine" means the authority's signature, under a key it has published, matches the content of
    that version as the register holds it; any edit to that content, or to the signature, makes it
    not genuine. Without ``version`` the current version is shown.
    """
    number = normalise_certificate_number(number)
    check = CertificateCheck(number=number, certificate=_find(number) if number else None)
    if check.certificate is None:
        check.reason = _("未查询到该编号的资质认定证书。")
        return check
    certificate = check.certificate
    versions = list(certificate.versions.select_related("signature__key", "application").order_by("version"))
    check.history = _history(versions, certificate.current_id)
    wanted = version if version is not None else next((v.version for v in versions if v.pk == certificate.current_id), None)
    check.version = next((v for v in versions if v.version == wanted), None)
    if check.version is None:
        check.reason = _("该证书没有此版本。")
        return check
    check.actions = list(certificate.actions.order_by("seq"))
    status = certificate.status_on(today or timezone.localdate())
    check.status, check.status_label = status, str(CertificateStatus(status).label)
    check.payload = certificate_payload(check.version)
    signature = getattr(check.version, "signature", None)
    if signature is None:
        check.reason = _("该证书没有发证机关的数字签名，无法确认真伪。")
        return check
    check.key_id, check.signed_at = signature.key.key_id, signature.signed_at
    check.genuine = verify(canonical(check.payload), signature.signature, signature.key.public_key)
    check.reason = (_("数字签名有效：证书内容与发证机关签发时一致。") if check.genuine
                    else _("数字签名无效：证书内容或签名已被改动，不是发证机关签发的原件。"))
    return check
