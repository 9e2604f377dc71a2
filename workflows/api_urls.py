from django.urls import path

from .notifications import api as notifications_api

urlpatterns = [
    # In-app notifications (the statutory clocks' reminders and escalations).
    path("notifications/", notifications_api.NotificationList.as_view(), name="api-notifications"),
    path("notifications/read-all/", notifications_api.NotificationReadAll.as_view(), name="api-notifications-read-all"),
    path("notifications/<int:pk>/read/", notifications_api.NotificationRead.as_view(), name="api-notification-read"),
]
