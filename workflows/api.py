"""REST API of the procedure: submit, withdraw, timeline, and the task queues (claim, release, complete).

Errors follow the contract in ``approvals.api.errors``: an application or task the caller may not
see is a 404; a task they may see but not take is a 403; a task already taken or done, or an
outcome the current status does not allow, is a 409.
"""

import copy
import functools

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from approvals.api.reads import ReadsOutsideTransaction
from approvals.api.serializers import ApplicationSerializer, TextField, WholeNumberField, moment_text
from approvals.models import Application, ApplicationStatus, StatusChange

from . import selectors, services, steps
from .calendar import is_provisional
from .clocks import clock_summary, today
from .models import Step


# --- serializers --------------------------------------------------------------------------------
class DueFields(serializers.Serializer):
    """The statutory clock of a step: due date, working days left (negative: overdue by), marks."""

    due_date = serializers.DateField(read_only=True, allow_null=True)
    limit_days = serializers.IntegerField(read_only=True, allow_null=True, help_text="法定时限（工作日）")
    working_days_left = serializers.SerializerMethodField(help_text="剩余工作日；负数为已超期的工作日；已办结为 null")
    overdue = serializers.SerializerMethodField(help_text="未办结且已过期限，或办结晚于期限")
    due_soon = serializers.SerializerMethodField(help_text="未办结、未超期、在提醒期内")
    due_provisional = serializers.SerializerMethodField(
        help_text="暂定：期限落在尚未录入国务院节假日安排的年度，按周末和法定节假日推算，录入后自动更正"
    )

    def _due(self, step):
        if "_due_status" not in step.__dict__:
            step.__dict__["_due_status"] = step.due_status()
        return step.__dict__["_due_status"]

    def get_working_days_left(self, step) -> int | None:
        return self._due(step).working_days_left

    def get_overdue(self, step) -> bool:
        return self._due(step).overdue

    def get_due_soon(self, step) -> bool:
        return self._due(step).due_soon

    def get_due_provisional(self, step) -> bool:
        due = step.due_date
        return due is not None and is_provisional(step.clock_started_on or due, due)


class StepApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    agency = serializers.CharField(source="agency.name")
    status = serializers.CharField()
    status_display = serializers.SerializerMethodField()

    def get_status_display(self, application) -> str:
        # Not get_status_display(): that hashes (and translates) every choice label on each call.
        return str(ApplicationStatus(application.status).label)


class TaskSerializer(DueFields, serializers.ModelSerializer):
    """A human task of the flow (its id is the flow task's id)."""

    id = serializers.IntegerField(source="task_id")
    title = serializers.SerializerMethodField()
    application = StepApplicationSerializer()
    claimed_by = serializers.CharField(source="claimed_by.username", default=None, allow_null=True)
    outcomes = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["id", "node", "title", "state", "application", "outcomes", "entered_at", "claimed_by",
                  "claimed_at", "finished_at", "outcome", "comment",
                  "due_date", "limit_days", "working_days_left", "overdue", "due_soon", "due_provisional"]

    def get_title(self, step) -> str:
        return steps.title(step.node)

    def get_outcomes(self, step) -> list[str]:
        declared = steps.step(step.node)
        if declared is None or step.state not in (Step.State.OPEN, Step.State.CLAIMED):
            return []
        return [outcome.name for outcome in declared.outcomes]


def task_rows_data(rows) -> list[dict]:
    """What ``TaskSerializer`` gives for each step, built from a queue page's row values: a page of 20
    rows serialised field by field cost more than the query that read them. A page's rows share a
    few nodes and statuses: their titles, labels and outcomes are looked up once per page."""
    titles: dict[str, str] = {}
    outcomes: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    clocks: dict[tuple, tuple] = {}  # a page's rows share a few due dates: each clock is worked out once
    on, zone = today(), timezone.get_current_timezone()  # one "today" and one zone for the page
    result = []
    for row in rows:
        node, status = row.node, row.application_status
        if node not in titles:
            titles[node], outcomes[node] = steps.title(node), _open_outcomes(node)
        if status not in labels:
            labels[status] = str(ApplicationStatus(status).label)
        due_date = row.due_date
        key = row.clock_key
        clock = clocks.get(key)
        if clock is None:
            clock = clocks[key] = (row.due_status(on), due_date is not None
                                   and is_provisional(row.clock_started_on or due_date, due_date))
        due, provisional = clock
        result.append({
            "id": row.task_id,
            "node": node,
            "title": titles[node],
            "state": row.state,
            "application": {
                "id": row.application_id,
                "reference": row.reference,
                "agency": row.agency_name,
                "status": status,
                "status_display": labels[status],
            },
            "outcomes": list(outcomes[node]) if row.is_active else [],
            "entered_at": moment_text(row.entered_at, zone),
            "claimed_by": row.claimed_by,
            "claimed_at": moment_text(row.claimed_at, zone),
            "finished_at": moment_text(row.finished_at, zone),
            "outcome": row.outcome,
            "comment": row.comment,
            "due_date": due_date.isoformat() if due_date else None,
            "limit_days": row.limit_days,
            "working_days_left": due.working_days_left,
            "overdue": due.overdue,
            "due_soon": due.due_soon,
            "due_provisional": provisional,
        })
    return result


def _open_outcomes(node: str) -> list[str]:
    declared = steps.step(node)
    return [outcome.name for outcome in declared.outcomes] if declared is not None else []


def _complete_input() -> type[serializers.Serializer]:
    """The completion's request body as documented: ``outcome`` and every field some outcome takes,
    gathered from the step declarations. The outcome's own input (``workflows.inputs``) then
    validates what that outcome needs and refuses what it does not take."""
    outcomes = sorted({o.name for declared in steps.STEPS.values() for o in declared.outcomes})
    fields: dict[str, serializers.Field] = {
        "outcome": serializers.ChoiceField(choices=outcomes, help_text="办理结果；各环节可选的结果见任务的 outcomes"),
    }
    used_by: dict[str, set[str]] = {}
    for declared in steps.STEPS.values():
        for outcome in declared.outcomes:
            for name, field in outcome.input().fields.items():
                used_by.setdefault(name, set()).add(outcome.name)
                fields.setdefault(name, field)
    documented = {"outcome": fields.pop("outcome")}
    for name, field in fields.items():
        field = copy.deepcopy(field)
        field.required, field.source = False, None
        field.help_text = "；".join(filter(None, [str(field.help_text or ""), "用于：" + "、".join(sorted(used_by[name]))]))
        documented[name] = field
    return type("CompleteInput", (serializers.Serializer,), documented)


CompleteInput = _complete_input()


class OutcomeChoice(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CompleteInput().fields["outcome"].choices)


class WithdrawInput(serializers.Serializer):
    reason = TextField(required=False, allow_blank=True, max_length=2000)


class StatusChangeSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = StatusChange
        fields = ["transition", "source", "target", "by", "at", "comment"]


class TimelineStepSerializer(DueFields, serializers.ModelSerializer):
    claimed_by = serializers.CharField(source="claimed_by.username", default=None)
    finished_by = serializers.CharField(source="finished_by.username", default=None)

    class Meta:
        model = Step
        fields = ["node", "state", "entered_at", "claimed_by", "claimed_at", "opened_at", "finished_at",
                  "finished_by", "outcome", "comment",
                  "clock", "due_date", "limit_days", "working_days_left", "overdue", "due_soon", "due_provisional",
                  "used_days", "stopped_days"]


# --- views --------------------------------------------------------------------------------------
def _visible_application(request, pk: int) -> Application:
    return get_object_or_404(Application.objects.visible_to(request.user), pk=pk)


def _own_application(request, pk: int) -> Application:
    application = _visible_application(request, pk)
    if application.agency_id != request.user.agency_id:
        raise PermissionDenied("只有申请机构本身可以提交或撤回申请。")
    return application


class SubmitView(APIView):
    @extend_schema(request=None, responses=ApplicationSerializer)
    def post(self, request, pk: int):
        application = _own_application(request, pk)
        services.application_submit(application=application, by=request.user)
        return Response(ApplicationSerializer(application).data)


class WithdrawView(APIView):
    @extend_schema(request=WithdrawInput, responses=ApplicationSerializer)
    def post(self, request, pk: int):
        application = _own_application(request, pk)
        data = WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_withdraw(application=application, by=request.user, **data.validated_data)
        return Response(ApplicationSerializer(application).data)


class TimelineView(APIView):
    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, pk: int):
        application = _visible_application(request, pk)
        changes = application.status_changes.select_related("by").order_by("at", "id")
        steps = selectors.timeline(application=application)
        return Response({
            "application": application.pk,
            "status": application.status,
            # Working days: approval (counted against the limits), review and stopped (kept apart).
            "working_days": clock_summary(steps),
            "steps": TimelineStepSerializer(steps, many=True).data,
            "status_changes": StatusChangeSerializer(changes, many=True).data,
        })


class TaskListQuery(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["inbox", "queue"], default="inbox")
    due = serializers.ChoiceField(choices=["overdue", "due_soon"], required=False)
    cursor = serializers.CharField(required=False)
    before = serializers.CharField(required=False)
    page_size = WholeNumberField(min_value=1, max_value=100, default=20)


@functools.lru_cache(maxsize=256)
def _validated_task_list_query(items: tuple[tuple[str, str], ...]) -> dict:
    query = TaskListQuery(data=dict(items))
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def task_list_params(items: tuple[tuple[str, str], ...]) -> dict:
    """``TaskListQuery``'s validated data for these query parameters (sorted ``(name, value)`` pairs),
    worked out once per process for each distinct set (up to 256; a queue's pages ask the same few):
    the serializer copies its fields for every instance, a tenth of a queue request. Refused
    parameters raise as ``is_valid(raise_exception=True)`` does, and are not remembered."""
    return dict(_validated_task_list_query(items))


class TaskListView(ReadsOutsideTransaction, APIView):
    """Queues soonest-due first, paged by key (``next``): no COUNT(*), one query per page."""

    @extend_schema(
        operation_id="v1_tasks_list",
        parameters=[
            OpenApiParameter("scope", enum=["inbox", "queue"], description="inbox: 我的待办；queue: 待认领"),
            OpenApiParameter("due", enum=["overdue", "due_soon"], description="只看已超期 / 即将到期"),
            OpenApiParameter("cursor", {"type": "string", "minLength": 1},
                             description="下一页：上一次响应的 next 链接中的翻页参数"),
            OpenApiParameter("before", {"type": "string", "minLength": 1},
                             description="上一页：上一次响应的 previous 链接中的翻页参数"),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                             description="每页条数（1–100，默认20）"),
        ],
        responses=inline_serializer("TaskPage", {
            "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
            "results": TaskSerializer(many=True),
        }),
    )
    def get(self, request):
        # a blank value is refused, not taken as absent
        params = task_list_params(tuple(sorted(request.query_params.dict().items())))
        queued = selectors.Queue.of(user=request.user, scope=params["scope"], due=params.get("due"))
        page = selectors.queue_page(queued, after=params.get("cursor", ""), before=params.get("before", ""),
                                    size=params["page_size"])
        here = remove_query_param(remove_query_param(request.build_absolute_uri(), "cursor"), "before")
        return Response({
            "next": replace_query_param(here, "cursor", page.next_cursor) if page.has_next else None,
            "previous": replace_query_param(here, "before", page.previous_cursor) if page.has_previous else None,
            "results": task_rows_data(page.items),
        })


def _visible_step(request, task_id: int) -> Step:
    steps = selectors.visible_steps(user=request.user).select_related("application__agency", "claimed_by")
    return get_object_or_404(steps, task_id=task_id)


class TaskDetailView(APIView):
    @extend_schema(responses=TaskSerializer)
    def get(self, request, task_id: int):
        return Response(TaskSerializer(_visible_step(request, task_id)).data)


class TaskHandoverView(APIView):
    """Claim (into one's inbox) or release (back to the role queue) a task."""

    service_name = ""  # "task_claim" or "task_release"

    @extend_schema(request=None, responses=TaskSerializer)
    def post(self, request, task_id: int):
        _visible_step(request, task_id)
        step = getattr(services, self.service_name)(task_id=task_id, by=request.user)
        return Response(TaskSerializer(step).data)


class TaskCompleteView(APIView):
    @extend_schema(request=CompleteInput, responses=TaskSerializer)
    def post(self, request, task_id: int):
        _visible_step(request, task_id)
        choice = OutcomeChoice(data=request.data)
        choice.is_valid(raise_exception=True)
        fields = {name: value for name, value in request.data.items() if name != "outcome"}
        step = services.task_complete(task_id=task_id, by=request.user, outcome=choice.validated_data["outcome"],
                                      data=fields)
        return Response(TaskSerializer(step).data)
