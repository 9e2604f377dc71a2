from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("资质认定")

    def ready(self):
        from django.urls import register_converter

        from .converters import DatabaseIdConverter
        from .permissions import ensure_roles

        register_converter(DatabaseIdConverter, "id")  # every URL's object ids: <id:pk>

        post_migrate.connect(ensure_roles, sender=self)
