"""REST API of the five reductions: the aggregates (service centre only) and one application's figures.

``GET /api/v1/metrics/five-reductions/`` — the headline over a period; ``GET /api/v1/metrics/dashboard/``
— everything the dashboard shows; ``GET /api/v1/applications/{id}/metrics/`` — one application,
visible to whoever may see the application (404 otherwise).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.models import Application

from . import selectors
from .forms import parse_filters
from .history import facts_values, is_measurable
from .models import ApplicationFacts

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


class FiveReductionsView(APIView):
    """五减: procedures, steps, time (working days), fees and documents against the baseline rules."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: {"type": "object", "properties": {
        "reductions": REDUCTIONS_SCHEMA, "applications": {"type": "object"}, "on_time_rate": {"type": "number"},
        "time_p50": {"type": "integer"}, "time_p90": {"type": "integer"}, "filters": {"type": "object"},
    }}})
    def get(self, request):
        _check_monitor(request)
        filters = parse_filters(request.query_params)
        return Response({**selectors.five_reductions(filters=filters), "filters": filters.as_query()})


def _step_json(step) -> dict:
    return {
        "task_id": step.task_id, "application": step.application_id, "reference": step.application.reference,
        "agency": step.application.agency.name, "node": step.node, "state": step.state,
        "claimed_by": step.claimed_by.username if step.claimed_by_id else None,
        "entered_at": step.entered_at, "due_date": step.due_date, "overdue_working_days": step.overdue_days,
    }


class DashboardView(APIView):
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
