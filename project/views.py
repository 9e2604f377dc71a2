"""The front door: each signed-in person is sent to their own work."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import defaults

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


def not_found(request, exception=None):
    """404: JSON under /api/ (what the API's schema documents), the product's own page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("未找到。"))}, status=404)
    return defaults.page_not_found(request, exception)
