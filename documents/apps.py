from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("申请材料与文书")

    def ready(self):
        from . import checks  # registers the SITE_URL check

        checks.warn_at_start()
