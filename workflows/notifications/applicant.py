"""The applicant is always told: every status change of an application becomes a message to the
agency's users (in-app, e-mail) and a text message to its contact phone.

``approvals`` calls ``status_changed`` (named in ``CMA_STATUS_CHANGED_HOOKS``) inside the transaction of
the change, so the messages commit with it; e-mails and texts go out after commit and are re-sent by
the periodic check while unsent. ``applicant_notify`` takes only the status change's id and is
idempotent (each message has a key), so an outbox or a retry may call it again safely.
"""

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

import outbox
from approvals.models import Application, Deficiency, StatusChange, User

from .. import steps
from ..calendar import add_working_days, is_provisional
from ..exceptions import CalendarMissing
from ..models import Notification, TextMessage
from .services import notify


def status_changed(*, change: StatusChange) -> None:
    """The hook ``approvals`` calls in the transaction of every status change."""
    applicant_notify(status_change_id=change.pk, change=change)


def applicant_notify(*, status_change_id: int, change: StatusChange | None = None) -> list[Notification]:
    """Tell the applicant of one status change (once, however often called); returns the new messages."""
    if change is None:
        change = StatusChange.objects.select_related("application__agency", "application__rule_set").get(
            pk=status_change_id)
    application = change.application
    users = list(User.objects.filter(agency_id=application.agency_id, is_active=True))
    url = reverse("workflows:application_detail", args=[application.pk])
    created = []
    with translation.override(settings.LANGUAGE_CODE):  # the record is kept in Chinese, whoever acted
        for event, title, body in _messages(change, application):
            key = f"status:{change.pk}:{event}"
            created += notify(users=users, title=title, body=body, url=url, key=key)
            _text(application, key, title)
    return created


def _text(application: Application, key: str, title: str) -> None:
    phone = (application.agency.contact_phone or "").strip()
    if not phone:
        return
    text = _("【资质认定】%(title)s（申请%(reference)s），详情请登录网上办理系统查看。") % {
        "title": title, "reference": application.reference}
    message, created = TextMessage.objects.get_or_create(key=key, defaults={"phone": phone, "text": text[:500]})
    if created:
        outbox.schedule("notifications.text", message.pk)


def _day(value: date) -> str:
    return date_format(value, "Y年n月j日")


def _due(start: date, days: int | None) -> str:
    if not days:
        return "—"
    try:
        due = add_working_days(start, days)
    except CalendarMissing:
        return "—"
    return _day(due) + (_("（暂定）") if is_provisional(start, due) else "")


def _open_items(application: Application, kind: str) -> str:
    rows = application.deficiencies.filter(kind=kind, resolved_at__isnull=True).order_by("id")
    return "\n".join(f"{i}. {row.description}" for i, row in enumerate(rows, start=1))


def _messages(change: StatusChange, application: Application) -> list[tuple[str, str, str]]:
    """(event, title, body) for one status change: usually one message; 受理 also schedules the review."""
    on = timezone.localdate(change.at)
    rule_set = application.rule_set
    context = {
        "reference": application.reference, "agency": application.agency.name, "on": _day(on),
        "comment": change.comment or _("（无）"),
    }

    def limit(node: str) -> int | None:
        return steps.limit_days(rule_set, node)

    name = change.transition
    if name == "submit":
        return [("submitted", _("申请已提交"), _(
            "贵机构的资质认定申请%(reference)s已于%(on)s提交。审批机关应在%(days)s个工作日内作出是否受理的决定，"
            "预计于%(due)s前。") % {**context, "days": limit("accept") or "—", "due": _due(on, limit("accept"))})]
    if name == "accept":
        leader = application.review_leader
        return [
            ("accepted", _("申请已受理"), _("贵机构的资质认定申请%(reference)s已于%(on)s受理。") % context),
            ("review_scheduled", _("技术评审已安排"), _(
                "申请%(reference)s进入技术评审，评审时限%(days)s个工作日（不计入审批时限），预计于%(due)s前完成。"
                "评审组长：%(leader)s。评审组将与贵机构联系评审的具体安排。") % {
                **context, "days": limit("review") or "—", "due": _due(on, limit("review")),
                "leader": (leader.get_full_name() or leader.username) if leader else _("待定")}),
        ]
    if name == "refuse":
        return [("refused", _("申请不予受理"), _(
            "贵机构的资质认定申请%(reference)s于%(on)s决定不予受理。理由：%(comment)s。"
            "如不服，可依法申请行政复议或者提起行政诉讼。") % context)]
    if name == "request_supplement":
        return [("supplement_requested", _("请补正申请材料（一次性告知）"), _(
            "审批机关一次性告知申请%(reference)s需要补正的全部内容：\n%(items)s\n"
            "请于%(due)s前补正（%(days)s个工作日内）；逾期不补正的，视为放弃申请。") % {
            **context, "items": _open_items(application, Deficiency.Kind.SUPPLEMENT),
            "days": limit("supplement") or "—", "due": _due(on, limit("supplement"))})]
    if name == "resubmit":
        return [("supplement_answered", _("补正材料已收到"), _(
            "申请%(reference)s的补正材料已于%(on)s提交，申请回到受理环节，受理时限接续计算。") % context)]
    if name == "request_rectification":
        return [("rectification_requested", _("请整改"), _(
            "技术评审发现申请%(reference)s需要整改的问题：\n%(items)s\n"
            "请于%(due)s前完成整改并提交整改报告（%(days)s个工作日内）；逾期未完成整改的事项判定为不符合。") % {
            **context, "items": _open_items(application, Deficiency.Kind.RECTIFICATION),
            "days": limit("rectification") or "—", "due": _due(on, limit("rectification"))})]
    if name == "submit_rectification":
        return [("rectification_answered", _("整改报告已收到"), _(
            "申请%(reference)s的整改报告已于%(on)s提交，技术评审继续进行。") % context)]
    if name in ("pass_review", "fail_review"):
        result = _("通过") if name == "pass_review" else _("不通过")
        return [("review_concluded", _("技术评审已结束"), _(
            "申请%(reference)s的技术评审结论：%(result)s。审批机关将在%(days)s个工作日内作出审批决定。") % {
            **context, "result": result, "days": limit("decide") or "—"})]
    if name in ("approve", "approve_partially", "deny"):
        verdict = {"approve": _("准予许可"), "approve_partially": _("部分准予许可"), "deny": _("不予许可")}[name]
        body = _("审批机关于%(on)s对申请%(reference)s作出审批决定：%(verdict)s。") % {**context, "verdict": verdict}
        if name != "approve":
            body += _("理由：%(comment)s。如不服，可依法申请行政复议或者提起行政诉讼。") % context
        return [("decided", _("审批决定：%(verdict)s") % {"verdict": verdict}, body)]
    if name == "certify":
        return [("certificate_issued", _("资质认定证书已颁发"), _(
            "申请%(reference)s的资质认定证书已于%(on)s颁发，可在申请页面下载电子证书，任何人可凭证书编号或二维码核验。")
            % context)]
    if name == "deem_accepted":
        return [("deemed_accepted", _("申请视为受理"), _(
            "审批机关未在受理期限内作出是否受理的决定。依《中华人民共和国行政许可法》第三十二条，申请%(reference)s"
            "自收到申请之日（%(received)s）起视为受理，办理程序继续进行。") % {
            **context, "received": _day(timezone.localdate(application.submitted_at) if application.submitted_at else on)})]
    if name == "deem_abandoned":
        return [("deemed_abandoned", _("逾期未补正，申请视为放弃"), _(
            "申请%(reference)s的补正期限已于%(due)s届满，贵机构未补正材料，依法视为放弃申请，本申请办理终结。"
            "如仍需取得资质认定，请重新提出申请。") % {**context, "due": _day(application.lapsed_on or on)})]
    if name == "lapse_rectification":
        return [("rectification_lapsed", _("整改期限届满"), _(
            "申请%(reference)s的整改期限已于%(due)s届满，尚未完成整改的事项已判定为不符合，技术评审将据此作出结论。")
            % {**context, "due": _day(application.lapsed_on or on)})]
    if name == "withdraw":
        return [("withdrawn", _("申请已撤回"), _("申请%(reference)s已于%(on)s撤回。") % context)]
    return [(name, _("申请状态已更新"), _("申请%(reference)s的状态已于%(on)s更新为：%(status)s。") % {
        **context, "status": application.get_status_display()})]
