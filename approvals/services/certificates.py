"""发证: numbering and issuing the certificate record."""


from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.exceptions import TransitionRefused
from approvals.models import (
    Application,
    Certificate,
    CertificateSerial,
    User,
)
from approvals.models.certificates import VALIDITY_YEARS
from audit.services import audit_record

from .drafts import SCOPE_FIELDS
from .lifecycle import _transition


def _allocate_number(*, year: int, field_code: str, industry_code: str) -> str:
    prefix = f"{year % 100:02d}{settings.CMA_AUTHORITY_CODE}{field_code}{industry_code}"
    serial, _created = CertificateSerial.objects.get_or_create(prefix=prefix)
    CertificateSerial.objects.filter(pk=serial.pk).update(last=F("last") + 1)  # row lock until commit
    last = CertificateSerial.objects.values_list("last", flat=True).get(pk=serial.pk)
    if last > 9999:
        raise TransitionRefused(_("本年度该类别证书序号已用尽。"))
    return f"{prefix}{last:04d}"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic(savepoint=False)
def certificate_issue(*, application: Application, by: User) -> Certificate:
    """发证: a certificate record numbered in the national 12-digit format, valid for six years."""
    today = timezone.localdate()
    approved_on = timezone.localdate(application.decided_at) if application.decided_at else today
    _transition(application, "certify", by=by)
    agency = application.agency
    scope = [
        {f: getattr(item, f) for f in ("seq", *SCOPE_FIELDS)}
        for item in application.scope_items.filter(approved=True).order_by("seq")
    ]
    certificate = Certificate.objects.create(
        number=_allocate_number(year=today.year, field_code=application.field_code,
                                industry_code=application.industry_code),
        application=application, agency=agency, agency_name=agency.name, address=agency.address,
        test_sites=application.test_sites, issuing_authority=settings.CMA_AUTHORITY_NAME,
        approved_on=approved_on, issued_on=today,
        expires_on=add_years(today, VALIDITY_YEARS) - timedelta(days=1),
        scope=scope, issued_by=by,
    )
    audit_record(
        action="certificate.issue", obj=certificate, application_id=application.pk, by=by,
        summary=certificate.number,
        data={"number": certificate.number, "agency_name": certificate.agency_name, "approved_on": approved_on,
              "issued_on": today, "expires_on": certificate.expires_on, "scope_items": len(scope)},
    )
    return certificate
