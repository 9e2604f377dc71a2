"""Reads for the flow: queues, task details and the application's timeline."""

from django.db.models import Q, QuerySet

from approvals.models import Application, User

from .flows import APPLICANT_NODES, OrdinaryFlow
from .models import Step

# The permissions of the officials' nodes (the applicant's nodes are matched by agency instead).
OFFICIAL_TASK_PERMISSIONS = frozenset(
    node._owner_permission
    for node in OrdinaryFlow.instance.nodes()
    if isinstance(getattr(node, "_owner_permission", None), str) and node.name not in APPLICANT_NODES
)


def _with_related(steps: QuerySet) -> QuerySet:
    return steps.select_related("application__agency", "claimed_by")


def inbox(*, user: User) -> QuerySet:
    """Tasks the user has claimed and not finished, oldest first."""
    return _with_related(Step.objects.filter(claimed_by=user, state=Step.State.CLAIMED)).order_by("entered_at", "id")


def claimable(*, user: User) -> QuerySet:
    """Unclaimed tasks the user's role (or, for an applicant, agency) may take, oldest first."""
    if not user.is_authenticated:
        return Step.objects.none()
    if user.agency_id:
        allowed = Q(node__in=APPLICANT_NODES, agency_id=user.agency_id)
    else:
        # Only the officials' task permissions the user holds: usually exactly one, so the query is
        # ``permission = X`` and walks step_queue_idx in order. An IN over every permission the user
        # has (view_application, …) makes PostgreSQL sort the whole open queue for each page.
        allowed = Q(permission__in=sorted(OFFICIAL_TASK_PERMISSIONS & user.get_all_permissions()))
    return _with_related(Step.objects.filter(allowed, state=Step.State.OPEN)).order_by("entered_at", "id")


def visible_steps(*, user: User) -> QuerySet:
    """Steps of the applications the user may see."""
    return Step.objects.filter(application__in=Application.objects.visible_to(user))


def timeline(*, application: Application) -> list[Step]:
    """Every step of an application, in order, with who and when."""
    return list(
        application.steps.select_related("claimed_by", "finished_by").order_by("entered_at", "id")
    )


def applicant_task(*, application: Application) -> Step | None:
    """The supplement or rectification task the applicant has to answer now, if any."""
    return Step.objects.active().filter(application=application, node__in=APPLICANT_NODES).order_by("-entered_at").first()


def step_for_page(*, user: User, task_id: int) -> Step | None:
    """The step of a task, if the user may see its application (else None: the page is a 404)."""
    return (
        visible_steps(user=user)
        .select_related("application__agency", "application__rule_set", "application__review_leader",
                        "claimed_by", "finished_by")
        .filter(task_id=task_id)
        .first()
    )
