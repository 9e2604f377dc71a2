"""The front door: each signed-in person is sent to their own work."""

from django.shortcuts import redirect, render

from .context_processors import roles_of


def home(request):
    """Applicant → my applications; official → inbox; monitor → the service-centre page; else a welcome."""
    roles = roles_of(request.user)
    if roles.agency:
        return redirect("approvals:application_list")
    if roles.official:
        return redirect("workflows:inbox")
    if request.user.is_authenticated and roles.newcomer:
        return redirect("approvals:agency_register")
    return render(request, "home.html", {"roles": roles})
