"""Officials' decisions on a certificate (暂停, 恢复, 撤销): who may take them, the input they share
between the pages and the API, and the one call that records a decision and its letter.

The register status is the authority's: only an official (no agency) holding
``approvals.decide_certificate_status`` decides. Cancellation (注销) is a procedure of its own (an
application) and is not offered here.
"""

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import services as domain
from approvals.models import Certificate, CertificateAction, CertificateStatus, User
from approvals.services.certificates import ACTIONS, MAX_REASON

from . import services

PERMISSION = "approvals.decide_certificate_status"
DECISIONS = {
    CertificateAction.Kind.SUSPEND: domain.certificate_suspend,
    CertificateAction.Kind.RESTORE: domain.certificate_restore,
    CertificateAction.Kind.REVOKE: domain.certificate_revoke,
}


def may_decide(user: User) -> bool:
    return bool(user.is_authenticated and not user.agency_id and user.has_perm(PERMISSION))


def may_see_all(user: User) -> bool:
    """Officials who may view applications see every certificate (an agency sees its own)."""
    return bool(user.is_authenticated and not user.agency_id and user.has_perm("approvals.view_application"))


def visible_certificates(*, user: User) -> QuerySet:
    """Certificates the user may open: every one for officials, an agency's own for its staff."""
    certificates = Certificate.objects.select_related("agency", "current")
    if may_see_all(user):
        return certificates
    if user.is_authenticated and user.agency_id:
        return certificates.filter(agency_id=user.agency_id)
    return certificates.none()


def search(*, user: User, query: str = "", status: str = "") -> QuerySet:
    """The register for officials: by number (current or earlier) or agency name, optionally by status."""
    certificates = visible_certificates(user=user).order_by("-id")
    query = query.strip()[:100]
    if query:
        certificates = certificates.filter(
            Q(number__startswith=query) | Q(versions__number__startswith=query) | Q(current__agency_name__icontains=query)
        ).distinct()
    if status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.REVOKED,
                  CertificateStatus.CANCELLED):
        certificates = certificates.filter(status=status)
    return certificates


def allowed_decisions(certificate: Certificate) -> list[str]:
    """The decisions the register status allows now (an expired certificate is not suspended)."""
    return [kind for kind in DECISIONS if certificate.status in ACTIONS[kind][0]]


class DecisionForm(forms.Form):
    """What an official enters for a decision; the API's serializer takes the same fields."""

    kind = forms.ChoiceField(label=gettext_lazy("决定"), choices=[(k, CertificateAction.Kind(k).label) for k in DECISIONS])
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 4}))
    on = forms.DateField(label=gettext_lazy("生效日期"), required=False,
                         help_text=gettext_lazy("留空为今天；不能晚于今天。"),
                         widget=forms.DateInput(attrs={"type": "date"}))


def certificate_decide(*, certificate: Certificate, by: User, kind: str, reason: str,
                       on: date | None = None) -> CertificateAction:
    """Take one decision on a certificate and schedule its letter, all in one transaction."""
    if not may_decide(by):
        raise PermissionDenied(_("只有具有证书管理权限的工作人员可以暂停、恢复或撤销证书。"))
    if kind not in DECISIONS:
        raise ValidationError({"kind": _("只能暂停、恢复或撤销；注销须通过注销申请办理。")})
    with transaction.atomic():
        action = DECISIONS[kind](certificate=certificate, by=by, reason=reason, on=on)
        services.certificate_publish(certificate=certificate)
    return action
