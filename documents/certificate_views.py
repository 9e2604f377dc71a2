"""Officials' certificate pages: the register (search by number or agency) and one certificate with
its versions, decisions and letters, where an official with the permission suspends, restores or
revokes it. An agency's staff see their own certificates here, read-only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from approvals.exceptions import DomainError
from approvals.models import CertificateStatus

from . import certificates as register
from .models import RenderedDocument

LIST_LIMIT = 100


@login_required
@require_GET
def certificate_list(request):
    """证书管理: the register, newest first, at most 100 rows per search."""
    if not register.may_see_all(request.user) and not request.user.agency_id:
        raise PermissionDenied
    query, status = request.GET.get("q", "")[:100], request.GET.get("status", "")
    rows = list(register.search(user=request.user, query=query, status=status)[:LIST_LIMIT + 1])
    context = {"rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT, "q": query, "status": status,
               "statuses": [s for s in CertificateStatus if s != CertificateStatus.EXPIRED]}
    return render(request, "documents/certificate_list.html", context)


def _detail_context(request, certificate, form) -> dict:
    documents = list(RenderedDocument.objects.filter(certificate=certificate).select_related("version", "action"))
    pdf_of_version = {doc.version_id: doc for doc in documents if doc.version_id}
    letter_of_action = {doc.action_id: doc for doc in documents if doc.action_id}
    versions = list(certificate.versions.select_related("application").order_by("-version"))
    actions = list(certificate.actions.select_related("by").order_by("-seq"))
    return {
        "certificate": certificate,
        "versions": [(version, pdf_of_version.get(version.pk)) for version in versions],
        "actions": [(action, letter_of_action.get(action.pk)) for action in actions],
        "public_status": certificate.status_on(timezone.localdate()),
        "form": form,
        "may_decide": register.may_decide(request.user),
        "allowed": register.allowed_decisions(certificate),
    }


@login_required
@require_http_methods(["GET", "POST"])
def certificate_detail(request, number: str):
    """One certificate: versions with their PDFs, decisions with their letters, and the decision form."""
    certificate = get_object_or_404(register.visible_certificates(user=request.user), number=number)
    form = register.DecisionForm()
    status = 200
    if request.method == "POST":
        if not register.may_decide(request.user):
            raise PermissionDenied
        form = register.DecisionForm(request.POST)
        if form.is_valid():
            try:
                action = register.certificate_decide(certificate=certificate, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            except DomainError as error:
                form.add_error(None, str(error))
                status = 409
            else:
                messages.success(request, _("决定（%(kind)s）已记录并在核验页面公布，决定书正在生成。")
                                 % {"kind": action.get_kind_display()})
                return redirect("documents:certificate", number=certificate.number)
        else:
            status = 400
    return render(request, "documents/certificate_detail.html", _detail_context(request, certificate, form),
                  status=status)
