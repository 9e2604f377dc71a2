"""Pages that drive the flow: the application page and its actions, the queues, the task pages."""

from django.urls import path

from . import views
from .notifications import views as notification_views

app_name = "workflows"

urlpatterns = [
    path("applications/<id:pk>/", views.application_detail, name="application_detail"),
    path("applications/<id:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<id:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<id:pk>/record.<str:fmt>", views.application_record, name="application_record"),
    path("applications/<id:pk>/answer/", views.application_answer, name="application_answer"),
    path("applications/<id:pk>/commitment/", views.application_commitment_sign, name="application_commitment_sign"),
    path("tasks/", views.inbox, name="inbox"),
    path("tasks/queue/", views.claimable, name="claimable"),
    path("tasks/<id:task_id>/", views.task_detail, name="task_detail"),
    path("tasks/<id:task_id>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<id:task_id>/release/", views.task_release, name="task_release"),
    path("tasks/<id:task_id>/complete/", views.task_complete, name="task_complete"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/<id:pk>/open/", notification_views.notification_open, name="notification_open"),
    path("notifications/read-all/", notification_views.notifications_read_all, name="notifications_read_all"),
]
