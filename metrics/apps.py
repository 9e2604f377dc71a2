from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """The five reductions (五减), measured: per-application facts, the service-centre dashboard, exports.

    It sits above the flow (it reads steps, the calendar, rule sets and the document catalogue); the flow
    reaches it only through the hook ``workflows.hooks.application_changed`` (``CMA_APPLICATION_HOOKS``).
    """

    name = "metrics"
    label = "metrics"
    verbose_name = _("五减监测")

    def ready(self):
        from outbox.registry import register

        register("metrics.facts", "metrics.tasks.facts_effect")
        register("metrics.export", "metrics.tasks.export_effect")

        from django.db.models.signals import post_delete, post_save

        from approvals.models import RuleSet

        from .figures_cache import figures_changed

        # The dashboard's cached figures read the rule sets (which is current, the baseline, the reform day).
        post_save.connect(figures_changed, sender=RuleSet, dispatch_uid="metrics.figures.rule_set_saved")
        post_delete.connect(figures_changed, sender=RuleSet, dispatch_uid="metrics.figures.rule_set_deleted")
