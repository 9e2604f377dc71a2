"""URL map: the pages of each app, the REST API under /api/v1/, its schema and docs, the admin."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from approvals.views import LogoutView

from . import views

api_v1 = [
    path("", include("approvals.api_urls")),
    path("", include("workflows.api_urls")),
    path("", include("documents.api_urls")),
    path("", include("metrics.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's script is served as a file (split view); its widgets set inline styles.
    path("api/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
         name="api-docs"),
    path("", include("documents.urls")),
    path("", include("workflows.urls")),
    path("", include("metrics.urls")),
    path("", include("approvals.urls")),
]

handler404 = "project.views.not_found"
