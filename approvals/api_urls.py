from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter()
router.register("applications", views.ApplicationViewSet, basename="application")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("agencies/", views.AgencyCreateView.as_view(), name="api-agency-create"),
    path("certificates/<str:number>/", views.CertificateView.as_view(), name="api-certificate"),
    *router.urls,
]
