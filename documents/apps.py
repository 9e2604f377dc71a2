from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("申请材料与文书")

    def ready(self):
        from outbox.registry import register

        from . import checks  # registers the SITE_URL check

        register("documents.render", "documents.tasks.render_effect", on_failure="documents.tasks.render_failed")
        checks.warn_at_start()
