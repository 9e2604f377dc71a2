from django.urls import path

from . import api
from .notifications import api as notifications_api

urlpatterns = [
    path("applications/<id:pk>/submit/", api.SubmitView.as_view(), name="api-application-submit"),
    path("applications/<id:pk>/withdraw/", api.WithdrawView.as_view(), name="api-application-withdraw"),
    path("applications/<id:pk>/timeline/", api.TimelineView.as_view(), name="api-application-timeline"),
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<id:task_id>/", api.TaskDetailView.as_view(), name="api-task"),
    path("tasks/<id:task_id>/claim/", api.TaskHandoverView.as_view(service_name="task_claim"), name="api-task-claim"),
    path("tasks/<id:task_id>/release/", api.TaskHandoverView.as_view(service_name="task_release"), name="api-task-release"),
    path("tasks/<id:task_id>/complete/", api.TaskCompleteView.as_view(), name="api-task-complete"),
    # In-app notifications (the statutory clocks' reminders and escalations).
    path("notifications/", notifications_api.NotificationList.as_view(), name="api-notifications"),
    path("notifications/read-all/", notifications_api.NotificationReadAll.as_view(), name="api-notifications-read-all"),
    path("notifications/<id:pk>/read/", notifications_api.NotificationRead.as_view(), name="api-notification-read"),
]
