from django.urls import path

from . import api

urlpatterns = [
    path("metrics/five-reductions/", api.FiveReductionsView.as_view(), name="api-metrics-five-reductions"),
    path("metrics/dashboard/", api.DashboardView.as_view(), name="api-metrics-dashboard"),
    path("metrics/simulations/", api.SimulationsView.as_view(), name="api-metrics-simulations"),
    path("metrics/simulations/<int:pk>/", api.SimulationView.as_view(), name="api-metrics-simulation"),
    path("applications/<id:pk>/metrics/", api.ApplicationMetricsView.as_view(), name="api-application-metrics"),
]
