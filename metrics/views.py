"""Pages of the service centre (政务服务中心): the five-reductions dashboard and its exports.

Only the monitor role gets in: anyone else signed in gets a 403, an anonymous visitor the sign-in page.
An export is seen and downloaded only by whoever asked for it (404 for anyone else).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from documents.downloads import private_download

from . import charts, exports, selectors
from .figures_cache import cached_figures
from .forms import ExportForm, FilterForm
from .models import MetricsExport
from .selectors import Filters

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def monitor_required(view):
    """Signed in (else the sign-in page) and the service centre's role (else 403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_monitor(request.user):
            raise PermissionDenied(_("只有政务服务中心（监测角色）可以查看五减监测。"))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _filters(request) -> tuple[FilterForm, Filters]:
    form = FilterForm(request.GET)
    return form, (form.filters() if form.is_valid() else Filters())


@transaction.non_atomic_requests  # reads only: no request transaction, two round trips fewer
@require_GET
@monitor_required
def dashboard(request):
    """五减监测: the five reductions at a glance, months, steps against their limits, overdue steps."""
    form, filters = _filters(request)
    # The figures with their cards and charts are cached together (metrics.figures_cache); the
    # overdue steps are read on every request.
    page = cached_figures(filters, lambda: _dashboard_page(filters), kind="dashboard-page")
    overdue, overdue_total = selectors.overdue_step_rows()
    data = {**page["data"], "overdue": overdue, "overdue_total": overdue_total}
    return render(request, "metrics/dashboard.html", {
        "form": form,
        "filters": filters,
        "query": filters.as_query(),
        "data": data,
        "figures_top": mark_safe(page["top"]),  # noqa: S308 (rendered by the template engine, escaped there)
        "figures_bottom": mark_safe(page["bottom"]),  # noqa: S308
        "applications_url": reverse("approvals:application_list"),  # the overdue rows' links: prefix + id
        "today": timezone.localdate(),
        "export_form": ExportForm(),
    })


def _dashboard_page(filters: Filters) -> dict:
    """The figures and the page's sections that show nothing else, rendered (in the active language)."""
    data = selectors.dashboard_figures(filters=filters)
    context = {"data": data, "cards": charts.reduction_cards(data["reductions"]), "charts": charts.dashboard_charts(data)}
    return {"data": data,
            "top": render_to_string("metrics/_figures_top.html", context),
            "bottom": render_to_string("metrics/_figures_bottom.html", context)}


@require_GET
@monitor_required
def aggregates_download(request, fmt: str):
    """The aggregates over the filtered period as CSV or XLSX, written at once (they are small)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    form, filters = _filters(request)
    if not form.is_valid():  # the dashboard shows what is wrong with the filters
        return redirect(f"{reverse('metrics:dashboard')}?{request.GET.urlencode()}")
    body = exports.aggregates_file(filters, fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"五减汇总-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return private_download(response)


@require_http_methods(["GET", "POST"])
@monitor_required
def export_list(request):
    """The user's exports; POST queues a new one with the dashboard's filters."""
    if request.method == "POST":
        form = ExportForm(request.POST)
        filter_form = FilterForm(request.POST)
        if form.is_valid() and filter_form.is_valid():
            export = exports.export_request(by=request.user, kind=form.cleaned_data["kind"],
                                            fmt=form.cleaned_data["format"], filters=filter_form.filters())
            return redirect("metrics:export_detail", pk=export.pk)
        errors = [*form.errors.values(), *filter_form.errors.values()]
        return render(request, "metrics/exports.html", {
            "exports": _own_exports(request), "alert": " ".join(str(e) for e in errors) or _("导出参数无效。"),
        }, status=400)
    return render(request, "metrics/exports.html", {"exports": _own_exports(request)})


def _own_exports(request):
    return MetricsExport.objects.filter(requested_by=request.user).order_by("-created", "-id")[:20]


@require_GET
@monitor_required
def export_detail(request, pk: int):
    """An export's progress; the page refreshes itself until the file is ready."""
    export = get_object_or_404(MetricsExport, pk=pk, requested_by=request.user)
    working = export.state in (MetricsExport.State.PENDING, MetricsExport.State.RUNNING)
    response = render(request, "metrics/export_detail.html", {
        "export": export, "filters": export.filters, "working": working,
    })
    if working:
        response["Refresh"] = "2"  # the browser reloads the page: progress without a script
    return response


@require_GET
@monitor_required
def export_download(request, pk: int):
    """The finished export's file, to whoever asked for it."""
    export = get_object_or_404(MetricsExport, pk=pk, requested_by=request.user)
    path = exports.export_path(export)
    if path is None:
        raise Http404(_("导出文件尚未生成或已被清理。"))
    return private_download(FileResponse(path.open("rb"), as_attachment=True, filename=export.filename,
                                         content_type=CONTENT_TYPES[export.format]))
