"""Pages: the public certificate check, the applicant's document checklist, and the downloads.

Every file leaves through a view here that first scopes the query to what the user may see: an
object outside that scope is a 404, whether it exists or not.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.exceptions import DomainError
from approvals.models import Application

from . import answers, selectors, services
from .contexts import verify_url
from .downloads import attachment
from .forms import LookupForm, UploadForm
from .models import Document, RenderedDocument
from .uploads import limit_uploads, too_large
from .validation import max_upload_bytes, too_large_message

# How long a rendered public answer may be kept; its key holds the certificate's state, so this only
# bounds what an edit behind the services' back (which the models refuse) could leave showing.
VERIFY_CACHE_SECONDS = 300
PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}


def _wants_preview(request) -> bool:
    return request.GET.get("preview") == "1"


# --- public -------------------------------------------------------------------------------------
@require_GET
def verify_lookup(request):
    """证书查询: look a certificate up by its number (no login)."""
    form = LookupForm(request.GET or None)
    if form.is_valid():
        return redirect("documents:verify", number=form.cleaned_data["number"])
    return render(request, "documents/verify_lookup.html", {"form": form})


@transaction.non_atomic_requests  # reads only: no request transaction, two round trips fewer
@require_GET
def verify(request, number: str, version: int | None = None):
    """The page a certificate's QR code opens (a number typed with spaces or full-width digits is
    sent to its canonical address): status and the authority's decisions, agency, dates,
    scope, signature check, and the history of versions with what each changed. A version's own QR
    code opens that version, which says whether it has been superseded."""
    canonical = selectors.normalise_certificate_number(number)
    if canonical != number and canonical:  # typed with spaces or full-width digits: the canonical address
        if version is not None:
            return redirect("documents:verify-version", number=canonical, version=version)
        return redirect("documents:verify", number=canonical)
    if version is not None and version > 32767:
        raise Http404
    # The answer (everything below the page's header) is kept under the certificate's state, read on
    # every request: a suspension or revocation shows at once, in every process, whatever the cache.
    state = selectors.certificate_state(number)
    key = None
    if state is not None:
        key = ":".join(str(part) for part in ("verify", number, version, get_language(),
                                              timezone.localdate().isoformat(), *state))
    content = cache.get(key) if key else None
    found = content is not None
    if content is None:
        check = selectors.certificate_check(number=number, version=version)
        url = verify_url(check.version.number, check.version.version) if check.found and version else verify_url(number)
        content = render_to_string("documents/verify_answer.html", {"check": check, "verify_url": url})
        found = check.found
        if key and found:
            cache.set(key, content, VERIFY_CACHE_SECONDS)
    response = render(request, "documents/verify.html",
                      {"number": number, "answer": mark_safe(content)},  # noqa: S308 (rendered, escaped there)
                      status=200 if found else 404)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def verification_keys(request):
    """The public key set at a stable URL: what anyone needs to check a certificate's signature
    (the register's Ed25519 signature and the PDF's embedded one) without asking us."""
    response = JsonResponse(selectors.published_keys(), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- downloads ----------------------------------------------------------------------------------
@login_required
@require_GET
@xframe_options_sameorigin  # the preview frame on the checklist; still a download without ?preview=1
def document_file(request, pk: int):
    document = get_object_or_404(selectors.visible_documents(user=request.user), pk=pk)
    return attachment(document.file, filename=document.original_name, content_type=document.content_type,
                      inline=_wants_preview(request) and document.content_type in PREVIEWABLE)


@login_required
@require_GET
def answer_file(request, pk: int):
    """An answer's attachment (rectification report, evidence), for whoever may see the application."""
    answer_file = get_object_or_404(answers.visible_answer_files(user=request.user), pk=pk)
    return attachment(answer_file.file, filename=answer_file.original_name, content_type=answer_file.content_type)


def _ready(rendered: RenderedDocument) -> None:
    if rendered.state != RenderedDocument.State.READY:
        raise Http404(_("文书正在生成，请稍后刷新。"))


@login_required
@require_GET
def rendered_file(request, pk: int):
    visible = selectors.visible_rendered(user=request.user).select_related("certificate", "application")
    rendered = get_object_or_404(visible, pk=pk)
    _ready(rendered)
    return attachment(rendered.file, filename=rendered.filename, content_type="application/pdf")


@login_required
@require_GET
def certificate_pdf(request, number: str):
    certificate = get_object_or_404(selectors.visible_certificates(user=request.user), number=number)
    rendered = get_object_or_404(
        RenderedDocument.objects.select_related("certificate", "application", "version"),
        version_id=certificate.current_id, kind=RenderedDocument.Kind.CERTIFICATE,
    )
    _ready(rendered)
    return attachment(rendered.file, filename=rendered.filename, content_type="application/pdf")


# --- the applicant's checklist ------------------------------------------------------------------
@csrf_exempt  # only so that the size limit goes in before CSRF reads the body: checked below
def application_documents(request, pk: int):
    """申请材料: every catalogue requirement with its state, uploads, reusable documents and the
    points of an open supplement notice, all on one page (一次性告知)."""
    limit_uploads(request)
    return _application_documents(request, pk)


@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def _application_documents(request, pk: int):
    application = get_object_or_404(Application.objects.visible_to(request.user).select_related("agency", "rule_set"), pk=pk)
    form, failed_code = None, ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, requirements=selectors.requirements_for(application).requested())
        failed_code = request.POST.get("requirement", "")
        if too_large(request):
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error(None, too_large_message())
        elif form.is_valid():
            try:
                with transaction.atomic():
                    uploaded = services.documents_upload(
                        application=application, by=request.user, requirement=form.cleaned_data["requirement"],
                        files=form.cleaned_data["file"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            except (PermissionDenied, DomainError) as error:
                form.add_error(None, str(error))
            else:
                done = ngettext("材料已上传：%(names)s。", "%(count)d 个文件已上传：%(names)s。", len(uploaded))
                messages.success(request, done % {"count": len(uploaded), "names": "、".join(d.original_name for d in uploaded)})
                target = reverse("documents:application", args=[application.pk]) + f"#req-{failed_code}"
                if request.headers.get("X-Requested-With") == "XMLHttpRequest":  # the page's progress upload
                    return JsonResponse({"next": target})
                return redirect(target)
    can_change = request.user.agency_id == application.agency_id and application.status in services.UPLOAD_STATES
    checklist = selectors.checklist(application=application, with_reusable=can_change)
    reusable_missing = [s for s in checklist if s.reusable and not s.accepted_documents] if can_change else []
    context = {
        "application": application,
        "checklist": checklist,
        "rendered": selectors.rendered_for(application=application),
        "form": form,
        "failed_code": failed_code if form is not None and form.errors else "",
        "can_change": can_change,
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "summary": _checklist_summary(checklist),
        "reusable_missing": reusable_missing,
    }
    return render(request, "documents/application_documents.html", context,
                  status=400 if form is not None and form.errors else 200)


def _checklist_summary(checklist) -> dict:
    requested = [s for s in checklist if not s.requirement.via_data_sharing and s.requirement.mandatory]
    return {"done": sum(1 for s in requested if s.is_satisfied), "total": len(requested),
            "shared": sum(1 for s in checklist if s.requirement.via_data_sharing)}


def _act(request, application: Application, action) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    except (PermissionDenied, DomainError) as error:
        messages.error(request, str(error))
    return redirect(reverse("documents:application", args=[application.pk]))


@login_required
@require_POST
def document_reuse(request, pk: int):
    application = get_object_or_404(Application.objects.visible_to(request.user), pk=pk)
    document = request.POST.get("document", "")
    # A malformed id offers nothing to reuse: the service answers with its own message.
    document_id = int(document) if document.isascii() and document.isdigit() and len(document) <= 18 else 0
    return _act(request, application, lambda: services.document_reuse(
        application=application, by=request.user, document=document_id
    ))


@login_required
@require_POST
def document_reuse_all(request, pk: int):
    """一键复用: every requirement still lacking a document gets the newest reusable earlier one."""
    application = get_object_or_404(Application.objects.visible_to(request.user), pk=pk)

    def reuse_all():
        reused = services.documents_reuse_all(application=application, by=request.user)
        if reused:
            messages.success(request, ngettext("已复用 %(n)d 项此前提交的材料。", "已复用 %(n)d 项此前提交的材料。",
                                               len(reused)) % {"n": len(reused)})
        else:
            messages.info(request, _("没有可以复用的材料。"))

    return _act(request, application, reuse_all)


@login_required
@require_POST
def document_remove(request, pk: int):
    document = get_object_or_404(
        Document.objects.current().filter(application__in=Application.objects.visible_to(request.user)), pk=pk
    )
    return _act(request, document.application, lambda: services.document_remove(document=document, by=request.user))
