"""站内消息 page: the signed-in user's notifications, newest first; opening one marks it read."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from approvals.pagination import keyset_page

from ..models import Notification
from . import selectors, services


@login_required
def notification_list(request):
    """Newest first, paged by key; the unread count above the list."""
    unread_only = request.GET.get("unread") == "1"
    page = keyset_page(selectors.notifications_for(user=request.user, unread_only=unread_only), key="-created_at",
                       after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    return render(request, "workflows/notifications.html", {
        "page": page, "unread_only": unread_only, "unread_count": selectors.unread_count(user=request.user),
    })


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark read and go where the notification points (the task or the application)."""
    try:
        notification = services.notification_mark_read(notification_id=pk, user=request.user)
    except Notification.DoesNotExist:
        raise Http404 from None
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("workflows:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("workflows:notifications")
