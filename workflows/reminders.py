"""The periodic check of the statutory clocks: reminders before a due date, escalation after it.

Celery beat runs ``workflows.tasks.clocks_check`` every 15 minutes (``CELERY_BEAT_SCHEDULE``). The
check looks at state, not at events: every live step within its reminder window that has no
reminder yet gets one, every overdue step without an escalation gets one. So a check that did not
run (worker down, machine off) loses nothing: the next one catches up.

Each alert goes out once, however often and on however many workers the check runs: candidate
steps are locked with ``SELECT … FOR UPDATE SKIP LOCKED`` (a second worker takes other rows instead
of waiting), and the alert row's unique (step, kind) constraint makes the insert that claims the
alert succeed once (insert-or-skip); the notifications are written in the same transaction.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

import outbox
from approvals.models import User

from . import steps
from .calendar import add_working_days, loaded_years, working_days_between
from .clocks import Clock, due_dates_refresh, due_soon_limit, today
from .exceptions import CalendarMissing
from .models import ClockAlert, Step
from .notifications.services import notify

logger = logging.getLogger(__name__)
# How long an unsent text waits for its own task before the check queues it again, and when it is given up.
EMAIL_GRACE = timedelta(minutes=10)
EMAIL_GIVE_UP = timedelta(days=3)

Kind = ClockAlert.Kind
BATCH = 200


def clocks_check(*, on: date | None = None) -> dict[str, int]:
    """One run of the periodic job; returns what it did (for the log and the tests)."""
    on = on or today()
    counts = {"due_dates_filled": _fill_missing_due_dates()}
    for applicant in (False, True):
        try:
            limit = due_soon_limit(clock_applicant=applicant, on=on)
        except CalendarMissing as error:  # late December with next year not loaded yet
            logger.error("due-soon reminders skipped: %s", error)
            continue
        clocks = [Clock.APPLICANT] if applicant else [Clock.APPROVAL, Clock.REVIEW]
        candidates = _live().filter(clock__in=clocks, due_date__gte=on, due_date__lte=limit)
        key = "applicant_due_soon" if applicant else "due_soon"
        counts[key] = _send(Kind.DUE_SOON, candidates, on)
    counts["overdue"] = _send(Kind.OVERDUE, _live().filter(due_date__lt=on), on)
    return counts


def _live() -> QuerySet:
    return Step.objects.active().filter(due_date__isnull=False)


# What the applicant is warned of before the law acts on their period (workflows.lapses).
LAPSE_WARNINGS = {
    "supplement": lambda: _("逾期不补正的，视为放弃申请；"),
    "rectification": lambda: _("逾期未完成整改的事项判定为不符合；"),
}


def _fill_missing_due_dates() -> int:
    """Steps entered while the calendar lacked a year get their due date once it is loaded; while
    some still wait, the administrators are told once per missing year (and the log, every run)."""
    filled = due_dates_refresh()
    waiting = Step.objects.active().filter(due_date__isnull=True, limit_days__isnull=False)
    count = waiting.count()
    if count:
        logger.error("%s open steps have no due date: the working-day calendar lacks a year (see the admin)", count)
        _tell_administrators(waiting.order_by("id").first(), count)
    _tell_administrators_provisional()
    return filled


def _tell_administrators_provisional() -> None:
    """Open deadlines in a year whose official schedule is not entered are provisional (暂定): the
    administrators are told once per year, so they enter it when the State Council publishes it."""
    years = loaded_years()
    if not years:
        return
    provisional = Step.objects.active().filter(due_date__year__gt=years[-1])
    first = provisional.order_by("due_date").values_list("due_date", flat=True).first()
    if first is None:
        return
    title = _("工作日历尚未录入%(year)s年节假日安排，部分办理期限为暂定") % {"year": first.year}
    admins = User.objects.filter(is_active=True, is_superuser=True).exclude(notifications__title=title)
    if admins.exists():
        notify(users=admins, title=title, url=reverse("admin:workflows_calendaryear_changelist"), body=_(
            "有%(count)s个办理环节的期限落在%(year)s年，目前按周末和法定节假日暂定（不含调休上班日），并标注“暂定”。"
            "国务院办公厅公布该年节假日安排后，请在管理后台“工作日历年度”中新增%(year)s年并标注节假日和调休上班日，"
            "所有未结期限将自动重新计算。"
        ) % {"count": provisional.count(), "year": first.year})


def _tell_administrators(step: Step, count: int) -> None:
    try:
        compute = add_working_days(step.clock_started_on, step.limit_days - step.carried_days)
    except CalendarMissing as error:
        year = error.year
    else:  # loaded meanwhile
        logger.info("calendar now covers %s", compute)
        return
    title = _("工作日历缺少%(year)s年数据，部分办理期限无法计算") % {"year": year}
    admins = User.objects.filter(is_active=True, is_superuser=True).exclude(notifications__title=title)
    if admins.exists():
        notify(users=admins, title=title, url=reverse("admin:workflows_calendaryear_changelist"), body=_(
            "有%(count)s个办理环节的期限落在%(year)s年，工作日历尚无该年数据，不能计算期限，也不能发送到期提醒。"
            "请在管理后台“工作日历年度”中导入或新增%(year)s年，并按国务院办公厅通知标注节假日和调休上班日。"
        ) % {"count": count, "year": year})


def _send(kind: str, candidates: QuerySet, on: date) -> int:
    candidates = candidates.filter(~Exists(ClockAlert.objects.filter(step=OuterRef("pk"), kind=kind)))
    sent, last_id = 0, 0
    while True:
        ids = list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return sent
        last_id = ids[-1]
        with transaction.atomic(), outbox.batch():  # the batch's e-mails: one INSERT into the outbox
            locked = (
                candidates.filter(pk__in=ids)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("application__agency", "claimed_by")
                .order_by("pk")
            )
            for step in locked:
                alert = _claim(step, kind)
                if alert is not None:
                    _fan_out(step, alert, on)
                    sent += 1


def _claim(step: Step, kind: str) -> ClockAlert | None:
    """Insert-or-skip: the alert for the one caller whose insert created it, else None."""
    try:
        with transaction.atomic():
            return ClockAlert.objects.create(step=step, kind=kind, due_date=step.due_date)
    except IntegrityError:
        return None


def _fan_out(step: Step, alert: ClockAlert, on: date) -> None:
    kind = alert.kind
    application = step.application
    context = {
        "reference": application.reference,
        "agency": application.agency.name,
        "step": steps.title(step.node),
        "due": date_format(step.due_date, "Y年n月j日"),
    }
    try:
        left = working_days_between(on, step.due_date)
    except CalendarMissing:
        left = None
    applicant_clock = step.clock == Clock.APPLICANT
    if kind == Kind.DUE_SOON:
        users = _holders(step)
        if applicant_clock:
            title = _("【期限提醒】申请%(reference)s的%(step)s期限将于%(due)s届满") % context
            body = _("贵机构申请%(reference)s的%(step)s应于%(due)s前提交，") % context
            consequence = LAPSE_WARNINGS.get(step.node)
            if consequence:
                body = f"{body}{consequence()}"
        else:
            title = _("【即将到期】%(reference)s「%(step)s」将于%(due)s到期") % context
            body = _("%(agency)s的申请%(reference)s，「%(step)s」环节的办理期限为%(due)s，") % context
        body += _("还剩%(left)s个工作日。请及时办理。") % {"left": left if left is not None else "—"}
    else:
        overdue = -left if left is not None else None
        users = _holders(step) + (_requester(step) if applicant_clock else _escalation_group())
        if applicant_clock:
            title = _("【期限已过】申请%(reference)s的%(step)s期限已于%(due)s届满") % context
            body = _("申请%(reference)s（%(agency)s）的%(step)s期限已于%(due)s届满，申请机构尚未提交。"
                     "请经办人员依法处理。") % context
        else:
            holder = (step.claimed_by.get_full_name() or step.claimed_by.username) if step.claimed_by else _("未认领")
            title = _("【超期督办】%(reference)s「%(step)s」已超过办理期限%(due)s") % context
            body = _("%(agency)s的申请%(reference)s，「%(step)s」环节办理期限为%(due)s，") % context
            body += _("已超期%(days)s个工作日，经办人：%(holder)s。请督促办理。") % {
                "days": overdue if overdue is not None else "—", "holder": holder}
    notify(users=users, title=title, body=body, url=step_url(step), kind=kind, alert=alert)


def step_url(step: Step) -> str:
    """Where a notification about ``step`` links to: the officials' task page; for the applicant's
    own task, the application page, where they answer."""
    if step.clock == Clock.APPLICANT:
        return reverse("workflows:application_detail", args=[step.application_id])
    return reverse("workflows:task_detail", args=[step.task_id])


def _holders(step: Step) -> list[User]:
    """Who holds the task: the official who claimed it, else everyone who may claim it; for the
    applicant's own task, the agency's users."""
    if step.clock == Clock.APPLICANT:
        return list(User.objects.filter(agency_id=step.agency_id, is_active=True))
    if step.claimed_by_id:
        return [step.claimed_by]
    app_label, _dot, codename = step.permission.partition(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if permission is None:
        return []
    return list(
        User.objects.filter(is_active=True, agency__isnull=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .distinct()
    )


def _escalation_group() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=settings.CMA_ESCALATION_GROUP))


def _requester(step: Step) -> list[User]:
    """The official whose request (supplement or rectification) started the applicant's period."""
    requester = next((s for s in steps.STEPS.values() if s.resumes_after == step.node), None)
    if requester is None:
        return []
    stopped = (
        Step.objects.filter(application_id=step.application_id, node=requester.name, outcome=requester.stop_outcome,
                            finished_by__isnull=False)
        .select_related("finished_by")
        .order_by("-entered_at", "-id")
        .first()
    )
    return [stopped.finished_by] if stopped else []
