from django.urls import path

from . import api

urlpatterns = [
    path("metrics/five-reductions/", api.FiveReductionsView.as_view(), name="api-metrics-five-reductions"),
    path("metrics/dashboard/", api.DashboardView.as_view(), name="api-metrics-dashboard"),
    path("applications/<id:pk>/metrics/", api.ApplicationMetricsView.as_view(), name="api-application-metrics"),
]
