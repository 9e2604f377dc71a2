"""Orchestration: submitting starts the flow; officials and applicants claim, release, complete.

Every task action runs under ``_locked``, which takes the process row lock and then re-reads the
task, so a double click or two officials at once cannot both act: the second finds the task taken
or done and gets a ``TaskConflict``.
"""

from contextlib import contextmanager
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

import audit
import outbox
from approvals import services as domain
from approvals.models import Application, User
from compiled import CompiledRead
from documents import services as documents
from writebehind import later, later_update, write_behind

from . import procedures, steps
from .clocks import clock_finish
from .exceptions import TaskConflict
from .flows import completing
from .hooks import application_ended
from .models import ApplicationProcess, Step


@transaction.atomic
def application_submit(*, application: Application, by: User) -> Application:
    """Submit a draft and start its procedure (the flow); the acceptance task enters the queue."""
    procedure = procedures.procedure_for(application.application_type, application.track)
    if procedure is None or not procedures.is_offered(application_type=application.application_type,
                                                      track=application.track):
        raise ValidationError({"application_type": _("该类申请（%(type)s，%(track)s）尚未开放网上办理。") % {
            "type": application.get_application_type_display(), "track": application.get_track_display()}})
    # Every missing document is reported together with the form's own errors (一次性告知).
    missing = documents.submission_problems(application=application)
    try:
        domain.application_submit(application=application, by=by)
    except ValidationError as error:
        if missing:
            raise ValidationError({**missing, **error.message_dict}) from None
        raise
    if missing:
        raise ValidationError(missing)  # the atomic block rolls the submission back
    procedure.flow.start.run(application=application)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    """Withdraw an application: its open tasks are cancelled with it.

    The process lock is taken before the status changes, in the same order as a task completion,
    so a withdrawal racing a completion waits instead of deadlocking.
    """
    process = ApplicationProcess.objects.filter(application=application).first()
    if process is None:  # a draft has no procedure yet
        return domain.application_withdraw(application=application, by=by, reason=reason)
    flow = process.flow_class
    with flow.lock(process.pk):
        application.refresh_from_db()
        domain.application_withdraw(application=application, by=by, reason=reason)
        flow.instance.cancel(process)
        Step.objects.filter(application=application).active().update(
            state=Step.State.CANCELLED, finished_at=timezone.now()
        )
    application_ended(application=application)
    return application


def may_take(user: User, step: Step) -> bool:
    """Whether ``user`` may claim or complete the task behind ``step``."""
    if not user.is_authenticated or not user.is_active:
        return False
    if step.node in steps.APPLICANT_STEPS:
        return user.agency_id is not None and user.agency_id == step.agency_id
    return user.agency_id is None and user.has_perm(step.permission)


def _task_read(*, task_id, user_id=None):
    """A task with its step, process, application, agency and rule set; with ``user_id``, also the
    first other authority step that user finished on the application (separation of duties)."""
    tasks = Task.objects.select_related(
        "step", "process__applicationprocess__application__rule_set",
        "process__applicationprocess__application__agency")
    if user_id is not None:
        tasks = tasks.annotate(other_duty=Subquery(
            Step.objects.filter(application_id=OuterRef("step__application_id"), finished_by=user_id)
            .exclude(node=OuterRef("step__node")).exclude(node__in=steps.APPLICANT_STEPS)
            .order_by("entered_at", "pk").values("node")[:1]))
    return tasks.filter(pk=task_id)


# Compiled once per process: compiling this read costs more than running it (the `compiled` package).
_TASK = CompiledRead(_task_read, "task_id")
_TASK_FOR_USER = CompiledRead(_task_read, "task_id", "user_id")


def _lock_sql() -> str:
    """Lock the process row of the task with the given id, if the task has a step: the row viewflow's
    ``SelectForUpdateLock`` locks (SQLite has no row locks: its write lock is taken at BEGIN)."""
    quote = connection.ops.quote_name
    sql = (f"SELECT 1 FROM {quote(ApplicationProcess._meta.db_table)} WHERE {quote('process_ptr_id')} = "
           f"(SELECT {quote('process_id')} FROM {quote(Task._meta.db_table)} INNER JOIN {quote(Step._meta.db_table)} "
           f"ON {quote(Step._meta.db_table)}.{quote('task_id')} = {quote(Task._meta.db_table)}.{quote('id')} "
           f"WHERE {quote(Step._meta.db_table)}.{quote('task_id')} = %s)")
    return sql + " FOR UPDATE" if connection.features.has_select_for_update else sql


@contextmanager
def _locked(task_id: int, by: User | None = None):
    """Take the process row lock of a task (the row viewflow's ``SelectForUpdateLock`` locks, found
    from the task id in the same statement), then read the task, its step, process, application,
    agency and rule set fresh in one more, and yield the task's viewflow activation with its step.

    Whatever the block records for the audit trail and schedules in the outbox is written at its
    end in one statement each, inside the same transaction. With ``by``, the read also answers the
    separation-of-duties question (``_check_separation_of_duties``) for that user.

    Writes nobody reads back travel with the next statement (``writebehind``): the lock
    goes in one request with the read it guards, which the server runs after the lock is granted
    (a statement of its own, on a fresh snapshot).
    """
    with transaction.atomic(), write_behind(), audit.batch(), outbox.batch():
        later(_lock_sql(), [task_id])
        duties = by is not None and settings.CMA_SEPARATION_OF_DUTIES
        task = _TASK_FOR_USER.get(task_id=task_id, user_id=by.pk) if duties else _TASK.get(task_id=task_id)
        if task is None:
            raise TaskConflict(_("任务不存在。"))
        task.process = task.process.applicationprocess  # the flow's own process class, already read
        step = task.step
        if duties:
            step.other_duty = (by.pk, task.other_duty)
        yield task.flow_task.activation_class(task), step


def _check_may_take(user: User, step: Step) -> None:
    if not may_take(user, step):
        raise PermissionDenied(_("您无权办理此任务。"))
    _check_separation_of_duties(user, step)


def _check_separation_of_duties(user: User, step: Step) -> None:
    """One person may not take two of the authority's steps of one application (受理, 技术评审, 审批决定,
    发证 …), a superuser included; the same step again (a review after a rectification) is the same
    duty. ``CMA_SEPARATION_OF_DUTIES`` (on by default) turns it off for a one-person office."""
    if not settings.CMA_SEPARATION_OF_DUTIES or step.node in steps.APPLICANT_STEPS:
        return
    asked_for, other = getattr(step, "other_duty", (None, None))
    if asked_for != user.pk:  # not read with the task (``_locked``) for this user
        other = (Step.objects.filter(application_id=step.application_id, finished_by=user)
                 .exclude(node__in=[step.node, *steps.APPLICANT_STEPS]).order_by("entered_at", "pk")
                 .values_list("node", flat=True).first())
    if other is not None:
        raise PermissionDenied(_("职责分离：您已办理本申请的“%(other)s”环节，不能再办理“%(this)s”环节。") % {
            "other": steps.title(other), "this": steps.title(step.node)})


def _claim(activation, step: Step, by: User) -> None:
    """Assign the task; the caller saves the step."""
    if activation.task.status != STATUS.NEW:
        raise TaskConflict(_("任务已被他人认领或已办结。"))
    activation.assign(by)
    step.state, step.claimed_by, step.claimed_at = Step.State.CLAIMED, by, timezone.now()


def task_claim(*, task_id: int, by: User) -> Step:
    """Take a task from the role queue into one's inbox."""
    with _locked(task_id, by) as (activation, step):
        _check_may_take(by, step)
        _claim(activation, step, by)
        step.save(update_fields=["state", "claimed_by", "claimed_at"])
        return step


def task_release(*, task_id: int, by: User) -> Step:
    """Put a claimed task back into the role queue."""
    with _locked(task_id) as (activation, step):
        if activation.task.status != STATUS.ASSIGNED:
            raise TaskConflict(_("任务未被认领或已办结。"))
        if activation.task.owner_id != by.pk:
            raise PermissionDenied(_("只能退回自己认领的任务。"))
        activation.unassign()
        step.state, step.claimed_by, step.claimed_at = Step.State.OPEN, None, None
        step.save(update_fields=["state", "claimed_by", "claimed_at"])
        return step


def _validated(chosen: steps.Outcome, data: dict[str, Any]) -> dict[str, Any]:
    """The outcome's declared input, validated; its errors as the services report theirs
    (``field`` or ``rows[n]``, 1-based), so the pages put them where they were typed."""
    serializer = chosen.input(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    errors: dict[str, list[str]] = {}
    for name, detail in serializer.errors.items():
        key = "__all__" if name == "non_field_errors" else name
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):  # a list of rows
            for index, row in enumerate(detail, start=1):
                for messages in row.values():
                    errors.setdefault(f"{key}[{index}]", []).extend(str(m) for m in messages)
        elif isinstance(detail, dict):
            for messages in detail.values():
                errors.setdefault(key, []).extend(str(m) for m in messages)
        else:
            errors.setdefault(key, []).extend(str(m) for m in detail)
    raise ValidationError(errors)


def task_complete(*, task_id: int, by: User, outcome: str, data: dict[str, Any] | None = None) -> Step:
    """Complete a task with an outcome. An unclaimed task is claimed on the way.

    The domain transition, the flow's next task and the step record commit together: a refused
    transition or a bad field rolls the whole completion back.
    """
    data = dict(data or {})
    with _locked(task_id, by) as (activation, step):
        _refuse_after_lapse(step)
        _check_may_take(by, step)
        declared = steps.step(step.node)
        chosen = declared.outcome(outcome)
        if chosen is None:
            choices = "、".join(o.name for o in declared.outcomes)
            raise ValidationError({"outcome": _("此环节的办理结果只能是：%(choices)s。") % {"choices": choices}})
        fields = _validated(chosen, data)
        if activation.task.status == STATUS.NEW:
            # Taken on the way: the owner is saved with the completed task below, not in a save of its own.
            activation.take(by)
            step.state, step.claimed_by, step.claimed_at = Step.State.CLAIMED, by, timezone.now()
        elif activation.task.status != STATUS.ASSIGNED or activation.task.owner_id != by.pk:
            raise TaskConflict(_("任务已被他人认领或已办结。"))
        activation.start(None)
        # The flow's branches read this same application object after the transition.
        application = activation.process.application
        chosen.service(application=application, by=by, **fields)
        _execute(activation, step)
        application_ended(application=application)  # metrics and others, once it has ended
        step.state, step.finished_at, step.finished_by = Step.State.DONE, timezone.now(), by
        step.outcome, step.comment = outcome, str(data.get("comment", "") or "")
        # A supplement or rectification request stops this step's clock here; the step that
        # resumes it after the applicant's answer carries these working days (workflows.clocks).
        clock_fields = clock_finish(step, on=timezone.localdate(step.finished_at))
        later_update(step, ["state", "claimed_by", "claimed_at", "finished_at", "finished_by", "outcome", "comment",
                            *clock_fields])
        # Documents sent back or still missing refuse the step; then the notice, letter or certificate.
        for check in chosen.checks:
            check(application=application, by=by)
        if chosen.notice:
            documents.notice_issue(application=application, kind=chosen.notice)
        return step


def _execute(activation, step: Step) -> None:
    """Complete the viewflow task and enter the next, telling the next step's clock which step led to it."""
    token = completing.set(step.node)
    try:
        activation.execute()
    finally:
        completing.reset(token)


def _refuse_after_lapse(step: Step) -> None:
    """An answer or a decision after the law already acted is refused, with the day the period ended."""
    declared = steps.step(step.node)
    if step.state == Step.State.DONE and declared and declared.lapse and step.outcome == declared.lapse.name:
        raise TaskConflict(_("“%(step)s”的期限已于%(due)s届满，已依法处理（%(effect)s），不再受理。") % {
            "step": steps.title(step.node), "due": step.due_date.isoformat() if step.due_date else "—",
            "effect": declared.lapse.label})


LAW_USERNAME = "cma-law"


def _law() -> User:
    """The task holder the law acts as when a period runs out (inactive: no one signs in as it)."""
    user, _created = User.objects.get_or_create(
        username=LAW_USERNAME, defaults={"is_active": False, "first_name": _("依法自动处理")})
    return user


def task_lapse(*, task_id: int, on: date) -> Step | None:
    """The legal effect of a step whose period ran out before ``on`` (视为受理, 视为放弃, 整改逾期):
    completes the task with the step's declared ``lapse`` outcome under the process lock. Returns
    None, changing nothing, when there is nothing (left) to do: run it any number of times."""
    with _locked(task_id) as (activation, step):
        declared = steps.step(step.node)
        application = activation.process.application
        if (declared is None or declared.lapse is None or not step.is_active or step.due_date is None
                or step.due_date >= on or application.status not in declared.statuses):
            return None
        if activation.task.status == STATUS.NEW:
            activation.assign(_law())
        activation.start(None)
        declared.lapse.service(application=application, by=None, due=step.due_date)
        _execute(activation, step)
        application_ended(application=application)
        step.state, step.finished_at, step.finished_by = Step.State.DONE, timezone.now(), None
        step.outcome, step.comment = declared.lapse.name, str(declared.lapse.label)
        clock_fields = clock_finish(step, on=timezone.localdate(step.finished_at))
        later_update(step, ["state", "finished_at", "finished_by", "outcome", "comment", *clock_fields])
        return step


def step_opened(*, step: Step, by: User) -> None:
    """Record the first time the task holder opened the task page."""
    if step.opened_at is None and step.claimed_by_id == by.pk:
        Step.objects.filter(pk=step.pk, opened_at__isnull=True).update(opened_at=timezone.now())
