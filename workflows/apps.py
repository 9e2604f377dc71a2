from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("办理流程")

    def ready(self):
        from .calendar import seed_calendar

        # After every migrate (and every flush): a database without a calendar gets one, so a
        # fresh install or a test database never computes deadlines without China's holidays.
        post_migrate.connect(seed_calendar, sender=self)

        from approvals import offering

        from . import procedures

        offering.register(lambda: procedures.offered())

        from outbox.registry import register

        register("notifications.email", "workflows.tasks.email_effect")
        register("notifications.text", "workflows.tasks.text_effect")
        register("notifications.status_change", "workflows.tasks.status_change_effect")
        register("calendar.due_dates", "workflows.tasks.due_dates_effect")
