"""Orchestration: submitting starts the flow; officials and applicants claim, release, complete.

Every task action runs under ``_locked``, which takes the process row lock and then re-reads the
task, so a double click or two officials at once cannot both act: the second finds the task taken
or done and gets a ``TaskConflict``.
"""

import inspect
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

import outbox
from approvals import services as domain
from approvals.models import Application, User
from documents import services as documents

from .clocks import clock_finish
from .exceptions import TaskConflict
from .flows import APPLICANT_NODES, OUTCOMES, OrdinaryFlow
from .metrics.services import facts_schedule
from .models import ApplicationProcess, Step

FLOWS = {"ordinary": OrdinaryFlow}


def flow_for(application: Application):
    return FLOWS[application.track]


@transaction.atomic
def application_submit(*, application: Application, by: User) -> Application:
    """Submit a draft and start its procedure (the flow); the acceptance task enters the queue."""
    if application.track not in FLOWS:
        raise ValidationError({"track": _("该程序尚未开放网上办理。")})
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
    flow_for(application).start.run(application=application)
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
    flow = flow_for(application)
    with flow.lock(process.pk):
        application.refresh_from_db()
        domain.application_withdraw(application=application, by=by, reason=reason)
        flow.instance.cancel(process)
        Step.objects.filter(application=application).active().update(
            state=Step.State.CANCELLED, finished_at=timezone.now()
        )
    facts_schedule(application=application)
    return application


def may_take(user: User, step: Step) -> bool:
    """Whether ``user`` may claim or complete the task behind ``step``."""
    if not user.is_authenticated or not user.is_active:
        return False
    if step.node in APPLICANT_NODES:
        return user.agency_id is not None and user.agency_id == step.agency_id
    return user.agency_id is None and user.has_perm(step.permission)


@contextmanager
def _locked(task_id: int):
    """Take the process row lock of a task, then read the task, its step, process and application
    fresh (four statements in all), and yield the task's viewflow activation with its step."""
    found = Step.objects.filter(task_id=task_id).values_list("task__process_id", "task__flow_task").first()
    if found is None:
        raise TaskConflict(_("任务不存在。"))
    process_id, flow_task = found
    with flow_task.flow_class.lock(process_id), outbox.batch():  # the step's side effects: one INSERT
        task = Task.objects.select_related("step").get(pk=task_id)
        task.process = ApplicationProcess.objects.select_related("application__rule_set").get(pk=process_id)
        yield task.flow_task.activation_class(task), task.step


def _check_may_take(user: User, step: Step) -> None:
    if not may_take(user, step):
        raise PermissionDenied(_("您无权办理此任务。"))


def _claim(activation, step: Step, by: User) -> None:
    """Assign the task; the caller saves the step."""
    if activation.task.status != STATUS.NEW:
        raise TaskConflict(_("任务已被他人认领或已办结。"))
    activation.assign(by)
    step.state, step.claimed_by, step.claimed_at = Step.State.CLAIMED, by, timezone.now()


def task_claim(*, task_id: int, by: User) -> Step:
    """Take a task from the role queue into one's inbox."""
    with _locked(task_id) as (activation, step):
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


def _call(service, *, application: Application, by: User, data: dict[str, Any]):
    """Call a domain service with the completion fields it takes. ``comment`` is the written
    reason or response where a service asks for one."""
    kwargs = {}
    for name, param in inspect.signature(service).parameters.items():
        if name in ("application", "by"):
            continue
        if name in data:
            kwargs[name] = data[name]
        elif name in ("reason", "response") and "comment" in data:
            kwargs[name] = data["comment"]
        elif param.default is not inspect.Parameter.empty:
            kwargs[name] = param.default
        else:
            kwargs[name] = None
    return service(application=application, by=by, **kwargs)


def task_complete(*, task_id: int, by: User, outcome: str, data: dict[str, Any] | None = None) -> Step:
    """Complete a task with an outcome. An unclaimed task is claimed on the way.

    The domain transition, the flow's next task and the step record commit together: a refused
    transition or a bad field rolls the whole completion back.
    """
    data = dict(data or {})
    with _locked(task_id) as (activation, step):
        _check_may_take(by, step)
        services = OUTCOMES[step.node]
        if outcome not in services:
            choices = "、".join(services)
            raise ValidationError({"outcome": _("此环节的办理结果只能是：%(choices)s。") % {"choices": choices}})
        if activation.task.status == STATUS.NEW:
            _claim(activation, step, by)
        elif activation.task.status != STATUS.ASSIGNED or activation.task.owner_id != by.pk:
            raise TaskConflict(_("任务已被他人认领或已办结。"))
        activation.start(None)
        # The flow's branches read this same application object after the transition.
        _call(services[outcome], application=activation.process.application, by=by, data=data)
        activation.execute()
        facts_schedule(application=activation.process.application)  # the five reductions, once it has ended
        step.state, step.finished_at, step.finished_by = Step.State.DONE, timezone.now(), by
        step.outcome, step.comment = outcome, str(data.get("comment", "") or "")
        # A supplement or rectification request stops this step's clock here; the step that
        # resumes it after the applicant's answer carries these working days (workflows.clocks).
        clock_fields = clock_finish(step, on=timezone.localdate(step.finished_at))
        step.save(update_fields=["state", "claimed_by", "claimed_at", "finished_at", "finished_by", "outcome", "comment",
                                 *clock_fields])
        # Notices, the certificate's signature and PDF; documents sent back or still missing refuse the step.
        documents.task_completed(application=activation.process.application, node=step.node, outcome=outcome, by=by)
        return step


def step_opened(*, step: Step, by: User) -> None:
    """Record the first time the task holder opened the task page."""
    if step.opened_at is None and step.claimed_by_id == by.pk:
        Step.objects.filter(pk=step.pk, opened_at__isnull=True).update(opened_at=timezone.now())
