from django.urls import path

from . import views
from .simulation import views as simulation_views

app_name = "metrics"

urlpatterns = [
    path("metrics/", views.dashboard, name="dashboard"),
    path("metrics/aggregates.<str:fmt>", views.aggregates_download, name="aggregates_download"),
    path("metrics/exports/", views.export_list, name="export_list"),
    path("metrics/exports/<id:pk>/", views.export_detail, name="export_detail"),
    path("metrics/exports/<id:pk>/download/", views.export_download, name="export_download"),
    path("metrics/simulations/", simulation_views.simulation_list, name="simulation_list"),
    path("metrics/simulations/<id:pk>/", simulation_views.simulation_detail, name="simulation_detail"),
    path("metrics/simulations/<id:pk>/brief.pdf", simulation_views.simulation_brief, name="simulation_brief"),
]
