"""What every page's navigation needs to know about the signed-in person."""

from dataclasses import dataclass

from django.conf import settings

# Officials whose work arrives as tasks in a queue.
TASK_PERMISSIONS = (
    "approvals.accept_application",
    "approvals.review_application",
    "approvals.decide_application",
    "approvals.issue_certificate",
)


@dataclass(frozen=True)
class Roles:
    agency: bool = False  # staff of an applicant agency
    official: bool = False  # works a task queue
    monitor: bool = False  # government service centre
    admin: bool = False

    @property
    def newcomer(self) -> bool:
        """Signed in, but neither agency staff nor official: they should register their agency."""
        return not (self.agency or self.official or self.monitor or self.admin)


def roles_of(user) -> Roles:
    if not user.is_authenticated:
        return Roles()
    perms = user.get_all_permissions()  # two queries, cached on the user for the request
    return Roles(
        agency=bool(user.agency_id),
        official=not user.agency_id and any(perm in perms for perm in TASK_PERMISSIONS),
        monitor=not user.agency_id and "approvals.monitor_service" in perms,
        admin=user.is_staff,
    )


def navigation(request):
    context = {"roles": roles_of(request.user), "authority_name": settings.CMA_AUTHORITY_NAME}
    if request.path.startswith("/admin/") and getattr(request.user, "is_staff", False):
        from documents.checks import site_url_problem

        problem = site_url_problem()
        context["site_url_warning"] = problem[1] if problem else ""
    return context
