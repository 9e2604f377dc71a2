"""The simulator's pages for the service centre: draft a reform, watch it run, compare, print a brief."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from documents.rendering import html_to_pdf

from ..selectors import REDUCTION_LABELS, REDUCTIONS
from ..views import monitor_required
from .forms import SimulationForm
from .models import ReformSimulation
from .proposal import Proposal
from .services import simulation_request


def _rows(result: dict) -> list[dict]:
    """The five reductions now and proposed, side by side."""
    rows = []
    for key in REDUCTIONS:
        now, then = result["current"]["reductions"][key], result["proposed"]["reductions"][key]
        rows.append({"key": key, "label": REDUCTION_LABELS[key], "now": now, "then": then})
    return rows


@require_http_methods(["GET", "POST"])
@monitor_required
def simulation_list(request):
    """改革模拟: the form, and the user's runs."""
    form = SimulationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proposal = Proposal.from_json(form.proposal_input())
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                simulation = simulation_request(by=request.user, proposal=proposal, since=form.cleaned_data["since"],
                                                until=form.cleaned_data["until"])
                return redirect("metrics:simulation_detail", pk=simulation.pk)
        status = 400
    runs = ReformSimulation.objects.filter(requested_by=request.user)[:20]
    return render(request, "metrics/simulations.html", {"form": form, "runs": runs}, status=status)


@require_GET
@monitor_required
def simulation_detail(request, pk: int):
    """A run's progress (the page refreshes itself), then its figures now and proposed."""
    simulation = get_object_or_404(ReformSimulation, pk=pk, requested_by=request.user)
    context = {"simulation": simulation, "result": simulation.result}
    if simulation.state == ReformSimulation.State.DONE:
        context["rows"] = _rows(simulation.result)
    response = render(request, "metrics/simulation_detail.html", context)
    if simulation.working:
        response["Refresh"] = "2"
    return response


@require_GET
@monitor_required
def simulation_brief(request, pk: int):
    """A PDF brief of a finished run for the leadership."""
    simulation = get_object_or_404(ReformSimulation, pk=pk, requested_by=request.user,
                                   state=ReformSimulation.State.DONE)
    html = render_to_string("metrics/pdf/simulation_brief.html", {
        "simulation": simulation, "result": simulation.result, "rows": _rows(simulation.result)}, request=request)
    pdf, _pages = html_to_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False,
                                                                 filename=f"改革模拟简报-{simulation.pk}.pdf")
    return response
