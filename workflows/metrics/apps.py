from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """The five reductions (五减), measured: per-application facts, the service-centre dashboard, exports.

    A sub-app of ``workflows`` with its own label, so its tables and migrations stay apart from the
    flow's while it sits on the same floor (it reads steps, rule sets and the document catalogue).
    """

    name = "workflows.metrics"
    label = "metrics"
    verbose_name = _("五减监测")

    def ready(self):
        from outbox.registry import register

        register("metrics.facts", "workflows.metrics.tasks.facts_effect")
        register("metrics.export", "workflows.metrics.tasks.export_effect")
