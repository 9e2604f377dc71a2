from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and bench data: ``seed_demo``, ``simulate_applications``. The top floor: it drives the real
    services of every other app and nothing imports it."""

    name = "demo"
    verbose_name = _("演示数据")
