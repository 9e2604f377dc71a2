from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("metrics/", views.dashboard, name="dashboard"),
    path("metrics/aggregates.<str:fmt>", views.aggregates_download, name="aggregates_download"),
    path("metrics/exports/", views.export_list, name="export_list"),
    path("metrics/exports/<id:pk>/", views.export_detail, name="export_detail"),
    path("metrics/exports/<id:pk>/download/", views.export_download, name="export_download"),
]
