"""The legal effects of the statutory clocks, when a period runs out (Administrative Licensing Law;
2021 measures). Each is a transition recorded like any other, made by no one (the law: ``by`` None),
its comment saying in words what happened and from which date."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Application, Deficiency, User

from .lifecycle import _transition


def _lapse_open_items(application: Application, kind: str, response: str) -> int:
    now = timezone.now()
    return application.deficiencies.filter(kind=kind, resolved_at__isnull=True).update(
        lapsed_at=now, resolved_at=now, response=response)


@transaction.atomic(savepoint=False)
def application_deem_accepted(*, application: Application, by: User | None = None, due: date) -> Application:
    """视为受理: the acceptance limit (last day ``due``) passed without a decision; the application counts
    as accepted from the day it was received (art. 32) and the procedure moves on."""
    received = timezone.localdate(application.submitted_at) if application.submitted_at else due
    _transition(application, "deem_accepted", by=None, comment=_(
        "受理期限（%(due)s）届满，审批机关未作出是否受理的决定；依《中华人民共和国行政许可法》第三十二条，"
        "自收到申请之日（%(received)s）起视为受理。") % {"due": due.isoformat(), "received": received.isoformat()})
    return application


@transaction.atomic(savepoint=False)
def supplement_lapse(*, application: Application, by: User | None = None, due: date) -> Application:
    """视为放弃: the supplement period (last day ``due``) passed without an answer; the application ends."""
    application.lapsed_on = due
    _lapse_open_items(application, Deficiency.Kind.SUPPLEMENT, _("逾期未补正"))
    _transition(application, "deem_abandoned", by=None, comment=_(
        "补正期限已于%(due)s届满，申请机构未补正，视为放弃申请。") % {"due": due.isoformat()})
    return application


@transaction.atomic(savepoint=False)
def rectification_lapse(*, application: Application, by: User | None = None, due: date) -> Application:
    """The rectification limit (last day ``due``) passed: the items still open are judged nonconforming
    and the review goes on to its conclusion."""
    application.lapsed_on = due
    count = _lapse_open_items(application, Deficiency.Kind.RECTIFICATION, _("逾期未完成整改，判定为不符合"))
    _transition(application, "lapse_rectification", by=None, comment=_(
        "整改期限已于%(due)s届满，尚未完成整改的%(count)d项判定为不符合，技术评审继续进行至结论。")
        % {"due": due.isoformat(), "count": count})
    return application
