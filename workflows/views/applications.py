"""The applicant's application page and the actions on it that drive the flow."""

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_fsm import can_proceed

from approvals import selectors as domain_selectors
from approvals import services as domain
from approvals.exceptions import DomainError
from approvals.forms import apply_validation_error
from approvals.models import Application, ApplicationStatus, RuleSet
from approvals.permissions import acts_for
from audit import selectors as audit_selectors
from documents import answers
from documents import selectors as document_selectors
from documents.contexts import verify_url
from documents.downloads import private_download
from documents.storage import private_storage
from documents.uploads import limit_uploads, too_large
from documents.validation import too_large_message

from .. import selectors, services
from ..forms import AnswerForm
from ..progress import next_action, progress_of
from ..services import may_take
from .common import BAD_INPUT, CONFLICT, application_context


def _visible(request, pk: int) -> Application:
    """The application, if the user may see it; a 404 otherwise (no existence leak)."""
    application = domain_selectors.application_for_page(user=request.user, pk=pk)
    if application is None:
        raise Http404
    return application


def _acting(request, application: Application) -> None:
    if not acts_for(request.user, application):
        raise PermissionDenied(_("只有申请机构本身可以办理此操作。"))


def _locked(application: Application) -> Application:
    # A fresh, locked copy for the service: a refused action must not leave the page's copy half-changed.
    return Application.objects.select_for_update().get(pk=application.pk)


def _render_detail(request, application: Application, *, status: int = 200, alert: str = "",
                   submit_errors: list[str] | None = None):
    context = application_context(application)
    user = request.user
    acting = acts_for(user, application)
    progress = progress_of(application, rows=context["steps"])
    if acting:
        missing = len(document_selectors.missing(application=application)) if application.status == ApplicationStatus.DRAFT else 0
        context["next_action"] = next_action(application, progress, missing_documents=missing)
    if context["certificate"] is not None:
        context["verify_url"] = verify_url(context["certificate"].number)
    context.update(
        progress=progress,
        acts_for=acting,
        may_edit=acting and application.status == ApplicationStatus.DRAFT,
        may_withdraw=acting and can_proceed(application.withdraw),
        official_steps=[step for step in context["active_steps"] if not acting and may_take(user, step)],
        alert=alert,
        submit_errors=submit_errors or [],
        audit_entries=list(audit_selectors.application_record(application_id=application.pk)) if _is_official(user) else None,
        commitment_letter=_commitment_letter(application) if acting else "",
    )
    return render(request, "approvals/application_detail.html", context, status=status)


def _is_official(user) -> bool:
    return not user.agency_id and (user.is_superuser or user.has_perm("approvals.view_application"))


RECORD_FIELDS = ["seq", "at", "action", "object_type", "object_id", "actor_id", "actor_name", "summary", "data",
                 "prev_hash", "hash"]


@login_required
def application_record(request, pk: int, fmt: str):
    """审计记录导出: one application's part of the hash chain, for officials (CSV or JSON). Each row keeps
    its hashes, so a reader can check the rows against ``manage.py verify_audit``'s chain."""
    application = _visible(request, pk)
    if not _is_official(request.user):
        raise PermissionDenied(_("审计记录仅供审批人员查看。"))
    if fmt not in ("csv", "json"):
        raise Http404
    rows = [
        {name: (entry.at.isoformat() if name == "at" else getattr(entry, name)) for name in RECORD_FIELDS}
        for entry in audit_selectors.application_record(application_id=application.pk)
    ]
    filename = f"{application.reference}-audit.{fmt}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps({"application": application.reference, "entries": rows}, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # so a spreadsheet opens the Chinese text as UTF-8
        writer = csv.DictWriter(response, fieldnames=RECORD_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "data": json.dumps(row["data"], ensure_ascii=False, sort_keys=True)})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_download(response)


def _commitment_letter(application: Application) -> str:
    """The letter a commitment-track draft still has to sign (the rule set in force's text)."""
    if application.status != ApplicationStatus.DRAFT or application.track != "commitment":
        return ""
    if application.commitment_signed_at:
        return ""
    try:
        return RuleSet.in_force_on(timezone.localdate()).commitment_letter
    except RuleSet.DoesNotExist:
        return ""


@login_required
@require_POST
def application_commitment_sign(request, pk: int):
    """签署告知承诺书: the applicant signs the letter shown on the draft's page."""
    return _draft_action(request, pk, domain.commitment_sign, _("告知承诺书已签署。"))


@transaction.non_atomic_requests  # reads only: no request transaction, two round trips fewer
@login_required
def application_detail(request, pk: int):
    """申请详情: status, scope, notices, the steps and the full audit trail."""
    return _render_detail(request, _visible(request, pk))


@login_required
@require_POST
def application_submit(request, pk: int):
    """提交申请: the draft enters the acceptance queue; what is missing is listed all at once."""
    return _draft_action(request, pk, services.application_submit, _("申请已提交，等待受理。"))


def _draft_action(request, pk: int, service, done: str):
    """The applicant acts on the draft under its row lock; a refusal re-renders the page with the reasons
    (400 for what is missing, 409 when the application moved on)."""
    application = _visible(request, pk)
    _acting(request, application)
    try:
        with transaction.atomic():
            service(application=_locked(application), by=request.user)
    except ValidationError as error:
        return _render_detail(request, application, status=BAD_INPUT, submit_errors=error.messages)
    except DomainError as error:
        return _render_detail(request, application, status=CONFLICT, alert=str(error))
    messages.success(request, done)
    return redirect("workflows:application_detail", pk=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk: int):
    """撤回申请, after a confirmation page."""
    application = _visible(request, pk)
    _acting(request, application)
    if request.method == "GET" and not can_proceed(application.withdraw):
        messages.warning(request, _("当前状态（%(status)s）不能撤回。") % {"status": application.get_status_display()})
        return redirect("workflows:application_detail", pk=application.pk)
    reason = request.POST.get("reason", "").strip()
    if request.method == "POST":
        try:
            with transaction.atomic():
                services.application_withdraw(application=_locked(application), by=request.user, reason=reason)
        except DomainError as error:
            return render(request, "approvals/application_withdraw.html",
                          {"application": application, "reason": reason, "alert": str(error)}, status=CONFLICT)
        messages.success(request, _("申请已撤回。"))
        return redirect("workflows:application_detail", pk=application.pk)
    return render(request, "approvals/application_withdraw.html", {"application": application, "reason": reason})


@csrf_exempt  # only so that the size limit goes in before CSRF reads the body: checked below
def application_answer(request, pk: int):
    """答复补正 / 整改: the applicant's answer to the open notice (with its files: the rectification report
    and evidence), and the application goes back."""
    limit_uploads(request)
    return _application_answer(request, pk)


@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def _application_answer(request, pk: int):
    application = _visible(request, pk)
    _acting(request, application)
    step = selectors.applicant_task(application=application)
    if step is None and application.status == ApplicationStatus.ABANDONED:
        # 视为放弃: a late answer is refused, with the day the period ended.
        return _render_detail(request, application, status=CONFLICT, alert=_(
            "补正期限已于%(due)s届满，申请已依法视为放弃，答复不再受理。如仍需取得资质认定，请重新提出申请。"
        ) % {"due": application.lapsed_on.isoformat() if application.lapsed_on else "—"})
    if step is None:
        if request.method == "GET":
            messages.info(request, _("当前没有需要答复的补正或整改事项。"))
            return redirect("workflows:application_detail", pk=application.pk)
        return _render_detail(request, application, status=CONFLICT,
                              alert=_("当前没有需要答复的补正或整改事项，可能已经答复过。"))
    rectification = step.node == "rectification"
    form = AnswerForm(request.POST if request.method == "POST" else None,
                      request.FILES if request.method == "POST" else None, rectification=rectification)
    status, alert = 200, ""
    if request.method == "POST":
        status = BAD_INPUT
        if too_large(request):
            form.add_error(None, too_large_message())
        elif form.is_valid():
            stored: list[str] = []
            answered = False
            try:
                with transaction.atomic():
                    fresh = Application.objects.get(pk=application.pk)  # the flow takes its own lock
                    for role, upload in form.files_to_attach():
                        stored.append(answers.answer_file_upload(application=fresh, by=request.user, role=role,
                                                                 file=upload).file.name)
                    services.task_complete(task_id=step.task_id, by=request.user, outcome="resubmit",
                                           data={"comment": form.cleaned_data["response"]})
                answered = True
            except DomainError as error:
                status, alert = CONFLICT, str(error)
            except ValidationError as error:
                apply_validation_error(error, form)
            finally:
                if not answered:  # the answer was refused and rolled back: its files go too
                    for name in stored:
                        private_storage.delete(name)
            if answered:
                messages.success(request, _("答复已提交，申请已回到审查环节。"))
                return redirect("workflows:application_detail", pk=application.pk)
    context = application_context(application)
    context.update(step=step, form=form, alert=alert)
    return render(request, "approvals/application_answer.html", context, status=status)
