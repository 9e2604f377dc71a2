"""Applicant portal pages of the domain core: sign-up, agency registration, the agency's list of
applications and the draft editor. Submitting, withdrawing, the detail page with its timeline and
answering tasks start or drive the flow, so they live one floor up, in ``workflows.views``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .authentication import client_ip, within_rate
from .exceptions import TransitionRefused
from .forms import (
    DRAFT_FIELDS,
    AgencyForm,
    ApplicationForm,
    SignUpForm,
    apply_validation_error,
    change_formset,
    scope_formset,
)
from .models import Application, ApplicationStatus, ApplicationType
from .models.applications import SCOPE_TYPES
from .pagination import decode_cursor, forward_page, keyset_page
from .permissions import acts_for


class LogoutView(auth_views.LogoutView):
    """Logging out of the site also revokes the user's API tokens."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.api_tokens_revoke(user=request.user)
        return super().post(request, *args, **kwargs)


def _needs_agency(request):
    """Send a signed-in person without an agency to register one (officials may not: 403)."""
    if request.user.has_perm("approvals.view_application"):
        raise PermissionDenied(_("此页面仅供申请机构使用。"))
    messages.info(request, _("请先登记您所在的检验检测机构。"))
    return redirect("approvals:agency_register")


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """注册: an account for the agency's staff member and the agency, in one form."""
    if request.user.is_authenticated:
        return redirect("home")
    data = request.POST if request.method == "POST" else None
    if data is not None and not within_rate("sign-up", client_ip(request), limit=settings.SIGN_UP_RATE_PER_HOUR,
                                             period_seconds=3600):
        messages.error(request, _("注册请求过于频繁，请一小时后再试。"))
        user_form, agency_form = SignUpForm(), AgencyForm()
        return render(request, "approvals/sign_up.html", {"user_form": user_form, "agency_form": agency_form},
                      status=429)
    user_form, agency_form = SignUpForm(data), AgencyForm(data)
    if data is not None and user_form.is_valid() and agency_form.is_valid():
        try:
            with transaction.atomic():
                user = services.applicant_sign_up(
                    username=user_form.cleaned_data["username"], password=user_form.cleaned_data["password1"],
                    full_name=user_form.cleaned_data["full_name"], email=user_form.cleaned_data["email"],
                    agency=agency_form.cleaned_data,
                )
        except ValidationError as error:
            apply_validation_error(error, agency_form, other_forms=(user_form,))
        else:
            login(request, user, backend="approvals.permissions.CachedPermissionsBackend")
            messages.success(request, _("注册成功，欢迎使用。您现在可以新建资质认定申请。"))
            return redirect("approvals:application_list")
    status = 400 if data is not None else 200
    return render(request, "approvals/sign_up.html", {"user_form": user_form, "agency_form": agency_form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def agency_register(request):
    """登记机构, for a signed-in person who does not belong to an agency yet."""
    if request.user.agency_id:
        messages.info(request, _("您已属于机构“%(name)s”。") % {"name": request.user.agency.name})
        return redirect("approvals:application_list")
    if request.user.has_perm("approvals.view_application"):
        raise PermissionDenied(_("审批人员不能注册申请机构。"))
    data = request.POST if request.method == "POST" else None
    form = AgencyForm(data)
    if data is not None and form.is_valid():
        try:
            with transaction.atomic():
                services.agency_register(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(error, form)
        else:
            messages.success(request, _("机构登记成功。"))
            return redirect("approvals:application_list")
    return render(request, "approvals/agency_register.html", {"form": form}, status=400 if data is not None else 200)


# The labels every row of the applicant's list repeats (workflow_progress.application_rows reads them from
# the context), translated and escaped as {% translate %} writes them once per language, not on every visit.
ROW_LABELS = {
    "label_reference": gettext_lazy("申请编号"), "label_type": gettext_lazy("申请类型"), "label_status": gettext_lazy("状态"),
    "label_progress": gettext_lazy("办理进度"), "label_created": gettext_lazy("创建时间"),
    "label_submitted": gettext_lazy("提交时间"), "go_edit": gettext_lazy("继续填写"), "go_answer": gettext_lazy("去答复"),
    "go_view": gettext_lazy("查看进度"),
}
_row_labels: dict[str, dict[str, str]] = {}


def row_labels() -> dict[str, str]:
    """``ROW_LABELS`` in the current language, escaped."""
    language = get_language()
    labels = _row_labels.get(language)
    if labels is None:
        labels = _row_labels[language] = {name: conditional_escape(label) for name, label in ROW_LABELS.items()}
    return labels


@transaction.non_atomic_requests  # reads only: no request transaction, two round trips fewer
@login_required
def application_list(request):
    """我的申请: the agency's applications, newest first, one keyset page at a time."""
    if not request.user.agency_id:
        return _needs_agency(request)
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    if decode_cursor(after) or decode_cursor(before):
        page = keyset_page(selectors.agency_applications(user=request.user), key="-created", after=after, before=before)
    else:  # the first page (an unreadable cursor reads as it), compiled
        page = forward_page(selectors.agency_first_page(user=request.user), key="-created")
    # Row links are built on the list's own URL (applications/<id>/, …/edit/, …/answer/), as the
    # queues do: three reversals per row were a tenth of the page.
    return render(request, "approvals/application_list.html", {
        "page": page,
        "attention": {ApplicationStatus.SUPPLEMENT_REQUESTED, ApplicationStatus.RECTIFICATION},
        "applications_url": reverse("approvals:application_list"),
        **row_labels(),
    })


def _bound_changes(data, application=None):
    """The change rows, bound only when the page sent them (an older form or a script may not)."""
    sent = data is not None and "changes-TOTAL_FORMS" in data
    return change_formset(data=data if sent else None, application=application)


def _valid_or_absent(formset) -> bool:
    return not formset.is_bound or formset.is_valid()


def _draft_input(form, formset, changes) -> tuple[dict, list]:
    fields = {name: form.cleaned_data[name] for name in DRAFT_FIELDS}
    fields["certificate"] = form.cleaned_data["certificate"]
    is_change = fields["application_type"] == ApplicationType.CHANGE
    fields["changes"] = changes.changes() if (is_change and changes.is_bound) else []
    rows = formset.rows() if fields["application_type"] in SCOPE_TYPES else []
    return fields, rows


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request):
    """新建申请: a draft with its capability scope."""
    if not request.user.agency_id:
        return _needs_agency(request)
    data = request.POST if request.method == "POST" else None
    form, formset, changes = ApplicationForm(data), scope_formset(data=data), _bound_changes(data)
    if data is not None and form.is_valid() and formset.is_valid() and _valid_or_absent(changes):
        fields, rows = _draft_input(form, formset, changes)
        try:
            with transaction.atomic():
                application = services.application_create(by=request.user, scope=[row for _i, row in rows], **fields)
        except ValidationError as error:
            apply_validation_error(error, form, formset=formset, formset_key="scope", rows=rows)
        else:
            messages.success(request, _("草稿已保存。检查无误后即可提交申请。"))
            return redirect("workflows:application_detail", pk=application.pk)
    return render(request, "approvals/application_form.html", {"form": form, "formset": formset, "changes": changes},
                  status=400 if data is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk: int):
    """修改草稿, scope included; only the agency's own staff, only while it is a draft."""
    application = get_object_or_404(selectors.application_with_details(user=request.user), pk=pk)
    if not acts_for(request.user, application):
        raise PermissionDenied(_("只有申请机构本身可以修改申请。"))
    if request.method == "GET" and application.status != ApplicationStatus.DRAFT:
        messages.warning(request, _("只有草稿可以修改。"))
        return redirect("workflows:application_detail", pk=application.pk)
    data = request.POST if request.method == "POST" else None
    initial = {name: getattr(application, name) for name in DRAFT_FIELDS}
    initial["certificate"] = application.subject_certificate.number if application.subject_certificate_id else ""
    form = ApplicationForm(data, initial=initial)
    formset = scope_formset(data=data, application=application)
    changes = _bound_changes(data, application)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid() and formset.is_valid() and _valid_or_absent(changes):
            fields, rows = _draft_input(form, formset, changes)
            try:
                with transaction.atomic():
                    services.application_update(
                        application=Application.objects.select_for_update().get(pk=application.pk),
                        by=request.user, scope=[row for _i, row in rows], **fields,
                    )
            except TransitionRefused as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                apply_validation_error(error, form, formset=formset, formset_key="scope", rows=rows)
            else:
                messages.success(request, _("草稿已保存。"))
                return redirect("workflows:application_detail", pk=application.pk)
    return render(request, "approvals/application_form.html",
                  {"form": form, "formset": formset, "changes": changes, "application": application}, status=status)
