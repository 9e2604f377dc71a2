"""The officials' queues and task pages: claim, release and complete a step of the flow."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from approvals.exceptions import DomainError
from approvals.forms import apply_validation_error
from approvals.permissions import acts_for

from .. import selectors, services, steps
from ..models import Step
from .common import BAD_INPUT, CONFLICT, application_context


def outcome_forms(*, node: str, application, data=None, posted: str = "") -> list:
    """The step's outcome forms that the application's status allows; the posted one bound to ``data``."""
    forms_ = []
    for outcome in steps.step(node).outcomes:
        if outcome.form is None or not can_proceed(getattr(application, outcome.transition), check_conditions=False):
            continue
        forms_.append(outcome.form(data if posted == outcome.name else None, application=application))
    return forms_


def _queue(request, *, scope: str):
    queued = selectors.Queue.of(user=request.user, scope=scope)
    try:
        page = selectors.queue_page(queued, after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    except ValidationError:  # cursors live in URLs: a tampered one reads as the first page
        page = selectors.queue_page(queued)
    # Row links are built on the tasks' URL prefix (tasks/<id>/, tasks/<id>/claim/): reversing two
    # URLs per row was a tenth of the page's time.
    return render(request, "workflows/queue.html", {"page": page, "scope": scope, "tasks_url": reverse("workflows:inbox")})


@transaction.non_atomic_requests  # reads only: no request transaction, two round trips fewer
@login_required
def inbox(request):
    """我的待办: tasks the user has claimed, soonest due first."""
    return _queue(request, scope="inbox")


@transaction.non_atomic_requests
@login_required
def claimable(request):
    """待认领: unclaimed tasks the user's role may take, soonest due first."""
    return _queue(request, scope="queue")


def _step(request, task_id: int) -> Step:
    """The task's step: 404 if its application is hidden from the user, 403 if they may not work it.

    The applicant's own tasks are answered on the application page, not through these URLs.
    """
    step = selectors.step_for_page(user=request.user, task_id=task_id)
    if step is None or step.node in steps.APPLICANT_STEPS:
        raise Http404
    user = request.user
    if not (services.may_take(user, step) or user.pk in (step.claimed_by_id, step.finished_by_id)):
        raise PermissionDenied(_("您无权办理此任务。"))
    return step


def _render_task(request, step: Step, *, forms=None, status: int = 200, alert: str = ""):
    user = request.user
    holder = step.state == Step.State.CLAIMED and step.claimed_by_id == user.pk
    if forms is None:
        forms = outcome_forms(node=step.node, application=step.application) if holder else []
    context = application_context(step.application)
    context.update(
        step=step, outcome_forms=forms, holder=holder, alert=alert,
        may_claim=step.state == Step.State.OPEN and services.may_take(user, step),
        open_form=next((form.outcome for form in forms if form.is_bound), ""),
    )
    return render(request, "workflows/task.html", context, status=status)


def _applicant_redirect(request, step: Step):
    # The applicant answers on the application's own page; officials just see the application.
    if acts_for(request.user, step.application):
        return redirect("workflows:application_answer", pk=step.application_id)
    return redirect("workflows:application_detail", pk=step.application_id)


@login_required
def task_detail(request, task_id: int):
    """办理页: the application in full, claim / release, and the node's outcome forms."""
    step = selectors.step_for_page(user=request.user, task_id=task_id)
    if step is not None and step.node in steps.APPLICANT_STEPS:
        return _applicant_redirect(request, step)
    step = _step(request, task_id)
    services.step_opened(step=step, by=request.user)
    return _render_task(request, step)


@login_required
@require_POST
def task_claim(request, task_id: int):
    """认领: the task moves from the role queue into the user's inbox."""
    step = _step(request, task_id)
    try:  # the service's own savepoint rolls it back whole on a refusal (``services._locked``)
        services.task_claim(task_id=task_id, by=request.user)
    except DomainError as error:
        return _render_task(request, _step(request, task_id), status=CONFLICT, alert=str(error))
    messages.success(request, _("已认领，任务已进入您的待办。"))
    return redirect("workflows:task_detail", task_id=step.task_id)


@login_required
@require_POST
def task_release(request, task_id: int):
    """退回: the claimed task goes back to the role queue."""
    _step(request, task_id)
    try:  # the service's own savepoint rolls it back whole on a refusal (``services._locked``)
        services.task_release(task_id=task_id, by=request.user)
    except DomainError as error:
        return _render_task(request, _step(request, task_id), status=CONFLICT, alert=str(error))
    messages.success(request, _("任务已退回待认领队列。"))
    return redirect("workflows:inbox")


@login_required
@require_POST
def task_complete(request, task_id: int):
    """办结: run the chosen outcome; on any refusal the page comes back with everything typed."""
    step = _step(request, task_id)
    outcome = request.POST.get("outcome", "")
    forms = outcome_forms(node=step.node, application=step.application, data=request.POST, posted=outcome)
    form = next((f for f in forms if f.outcome == outcome), None)
    if form is None:
        known = steps.step(step.node).outcome(outcome) is not None
        alert = (_("申请的当前状态（%(status)s）不允许此办理结果。") % {"status": step.application.get_status_display()}
                 if known else _("请选择有效的办理结果。"))
        return _render_task(request, step, forms=forms, status=CONFLICT if known else BAD_INPUT, alert=alert)
    if not form.is_valid():
        return _render_task(request, step, forms=forms, status=BAD_INPUT)
    try:  # the service's own savepoint rolls it back whole on a refusal (``services._locked``)
        services.task_complete(task_id=task_id, by=request.user, outcome=outcome, data=form.service_data())
    except DomainError as error:
        return _render_task(request, step, forms=forms, status=CONFLICT, alert=str(error))
    except ValidationError as error:
        apply_validation_error(error, form, formset=form.formset, formset_key=form.formset_key, rows=form.rows())
        return _render_task(request, step, forms=forms, status=BAD_INPUT)
    messages.success(request, _("%(reference)s：“%(outcome)s”已办结。") % {
        "reference": step.application.reference, "outcome": form.title})
    return redirect("workflows:inbox")
