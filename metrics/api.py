"""REST API of the five reductions: the aggregates (service centre only) and one application's figures.

``GET /api/v1/metrics/five-reductions/`` — the headline over a period; ``GET /api/v1/metrics/dashboard/``
— everything the dashboard shows; ``GET /api/v1/applications/{id}/metrics/`` — one application,
visible to whoever may see the application (404 otherwise).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.api.reads import ReadsOutsideTransaction
from approvals.models import Application

from . import selectors
from .figures_cache import cached_figures
from .forms import parse_filters
from .history import facts_values, is_measurable
from .models import ApplicationFacts, ReformSimulation
from .simulation import Proposal
from .simulation.services import simulation_request

FILTER_PARAMETERS = [
    OpenApiParameter("from", str, description="办结日期自（含），YYYY-MM-DD"),
    OpenApiParameter("to", str, description="办结日期至（含），YYYY-MM-DD"),
    OpenApiParameter("application_type", str, enum=["initial", "renewal", "change", "extension", "cancellation"]),
    OpenApiParameter("track", str, enum=["ordinary", "commitment"]),
    OpenApiParameter("authority", str, description="发证机关名称"),
    OpenApiParameter("outcome", str, enum=["certified", "denied", "refused", "withdrawn"]),
]
FIGURE = {"type": "object", "properties": {
    "baseline": {"type": "number"}, "actual": {"type": "number"}, "reduction_pct": {"type": "number", "nullable": True},
}}
REDUCTIONS_SCHEMA = {"type": "object", "properties": {key: FIGURE for key in selectors.REDUCTIONS}}


def _check_monitor(request) -> None:
    if not selectors.may_monitor(request.user):
        raise PermissionDenied(_("只有政务服务中心（监测角色）可以查看汇总指标。"))


class FiveReductionsView(ReadsOutsideTransaction, APIView):
    """五减: procedures, steps, time (working days), fees and documents against the baseline rules."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: {"type": "object", "properties": {
        "reductions": REDUCTIONS_SCHEMA, "applications": {"type": "object"}, "on_time_rate": {"type": "number"},
        "time_p50": {"type": "integer"}, "time_p90": {"type": "integer"}, "filters": {"type": "object"},
    }}})
    def get(self, request):
        _check_monitor(request)
        filters = parse_filters(request.query_params)
        # From the roll-ups and rule sets alone, like the dashboard's figures: cached the same way
        # (metrics.figures_cache), so a write of either is seen at once.
        figures = cached_figures(filters, lambda: selectors.five_reductions(filters=filters), kind="five-reductions")
        return Response({**figures, "filters": filters.as_query()})


def _step_json(step) -> dict:
    return {
        "task_id": step.task_id, "application": step.application_id, "reference": step.application.reference,
        "agency": step.application.agency.name, "node": step.node, "state": step.state,
        "claimed_by": step.claimed_by.username if step.claimed_by_id else None,
        "entered_at": step.entered_at, "due_date": step.due_date, "overdue_working_days": step.overdue_days,
    }


class DashboardView(ReadsOutsideTransaction, APIView):
    """The dashboard's figures: the headline, months, steps against their limits, breakdown, overdue steps."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: {"type": "object"}})
    def get(self, request):
        _check_monitor(request)
        filters = parse_filters(request.query_params)
        data = selectors.dashboard(filters=filters)
        rule_sets = data.pop("rule_sets")
        data["overdue"] = [_step_json(step) for step in data["overdue"]]
        data["rule_sets"] = {key: rule.code if rule else None for key, rule in rule_sets.items()}
        data["filters"] = filters.as_query()
        return Response(data)


class ApplicationMetricsView(APIView):
    """One application's five reductions: final once it has ended, so far while it is open."""

    @extend_schema(responses={200: {"type": "object", "properties": {
        "application": {"type": "integer"}, "final": {"type": "boolean"}, "reductions": REDUCTIONS_SCHEMA,
    }}})
    def get(self, request, pk: int):
        try:
            application, facts = selectors.visible_facts(user=request.user, application_id=pk)
        except Application.DoesNotExist:
            raise Http404 from None
        final = facts is not None
        if facts is None:
            if application.submitted_at is None or application.rule_set_id is None:
                raise Http404(_("申请尚未提交，暂无五减指标。"))
            # Open (or ended a moment ago, before its facts were written): the figures so far.
            facts = ApplicationFacts(application=application, **facts_values(application))
        body = {
            "application": application.pk,
            "reference": application.reference,
            "status": application.status,
            "final": final and is_measurable(application),
            "reductions": selectors.application_reductions(facts),
            "steps": {node: {"days": days, "late": facts.node_late()[node]}
                      for node, days in facts.node_days().items() if days is not None},
        }
        return Response(body)


def _simulation_json(simulation: ReformSimulation) -> dict:
    body = {
        "id": simulation.pk, "state": simulation.state, "progress_pct": simulation.progress_pct,
        "rows_done": simulation.rows_done, "rows_total": simulation.rows_total,
        "since": simulation.since, "until": simulation.until, "proposal": simulation.proposal,
        "error": simulation.error or None,
    }
    if simulation.state == ReformSimulation.State.DONE and simulation.result:
        body.update(simulation.result)
    return body


def _period(data) -> tuple:
    errors, days = {}, []
    for name in ("since", "until"):
        value = data.get(name)
        try:
            days.append(date.fromisoformat(value) if value else None)
        except (TypeError, ValueError):
            errors[name] = [_("日期格式应为 YYYY-MM-DD。")]
            days.append(None)
    if not errors and days[0] and days[1] and days[1] < days[0]:
        errors["until"] = [_("结束日期不能早于开始日期。")]
    if errors:
        raise ValidationError(errors)
    return tuple(days)


class SimulationsView(APIView):
    """改革模拟: replay the recorded history of a period under a drafted rule set.

    ``current`` and ``proposed`` have the shape of ``/api/v1/metrics/five-reductions/``; ``by_type_track``
    splits them; ``self_check`` says whether replaying under the rules that applied reproduced the
    recorded figures. A small period is answered at once (201); a large one runs in the background
    (202): poll ``/api/v1/metrics/simulations/{id}/`` for its progress and result."""

    @extend_schema(request={"application/json": {"type": "object", "properties": {
        "rule_set": {"type": "string", "description": "规则集代码（方案的出发点）"},
        "since": {"type": "string"}, "until": {"type": "string"},
        "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
        "drop_steps": {"type": "array", "items": {"type": "string", "enum": ["review", "decide", "issue"]}},
        "drop_documents": {"type": "array", "items": {"type": "string"}},
        "shared_documents": {"type": "array", "items": {"type": "string"}},
        "fee_yuan": {"type": "number"},
        "commitment_types": {"type": "array", "items": {"type": "string"}},
        "assumption": {"type": "string", "enum": ["as_recorded", "scales"]},
    }}}, responses={201: {"type": "object"}, 202: {"type": "object"}})
    def post(self, request):
        _check_monitor(request)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            since, until = _period(data)
            proposal = Proposal.from_json(data)
        except ValidationError as error:
            return Response(error.message_dict, status=400)
        simulation = simulation_request(by=request.user, proposal=proposal, since=since, until=until)
        done = simulation.state == ReformSimulation.State.DONE
        return Response(_simulation_json(simulation), status=201 if done else 202)


class SimulationView(APIView):
    """One reform simulation of the signed-in monitor: its progress, then its figures."""

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, pk: int):
        _check_monitor(request)
        simulation = ReformSimulation.objects.filter(pk=pk, requested_by=request.user).first()
        if simulation is None:
            raise Http404
        return Response(_simulation_json(simulation))
