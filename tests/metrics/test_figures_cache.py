"""The dashboard's figures are cached briefly and never outlive a write of the facts' roll-ups or of a
rule set; the overdue steps are read on every request."""

import pytest

from approvals.models import RuleSet
from metrics.models import ApplicationFacts, DailyFacts, MonthlyFacts
from metrics.rollups import rollups_rebuild

pytestmark = pytest.mark.django_db

DASHBOARD = "/metrics/"


def applications_shown(client) -> str:
    html = client.get(DASHBOARD).content.decode()
    start = html.index('<strong data-kpi="applications">') + len('<strong data-kpi="applications">')
    return html[start:html.index("</strong>", start)]


def test_figures_come_from_the_cache_until_the_roll_ups_change(client, monitor, histories):
    client.force_login(monitor)
    assert applications_shown(client) == "4"
    # Rows removed behind the product's back (no roll-up write): the cached figures stand.
    MonthlyFacts.objects.all().delete()
    DailyFacts.objects.all().delete()
    assert applications_shown(client) == "4"
    # A write of the roll-ups (here their rebuild, as facts_recompute does) is seen at once.
    ApplicationFacts.objects.filter(application=histories["D"]).delete()
    rollups_rebuild()
    assert applications_shown(client) == "3"


def test_a_rule_set_saved_empties_the_cached_figures(client, monitor, histories):
    client.force_login(monitor)
    assert applications_shown(client) == "4"
    MonthlyFacts.objects.all().delete()
    DailyFacts.objects.all().delete()
    rule_set = RuleSet.objects.order_by("pk").first()
    rule_set.save()
    assert applications_shown(client) == "0"


def test_figures_are_computed_on_every_request_when_the_cache_is_off(client, monitor, histories, settings):
    settings.CMA_DASHBOARD_CACHE_SECONDS = 0
    client.force_login(monitor)
    assert applications_shown(client) == "4"
    MonthlyFacts.objects.all().delete()
    DailyFacts.objects.all().delete()
    assert applications_shown(client) == "0"


def test_the_cached_page_speaks_the_visitors_language(client, monitor, histories):
    client.force_login(monitor)
    assert "减程序" in client.get(DASHBOARD).content.decode()
    client.cookies["django_language"] = "en"
    html = client.get(DASHBOARD).content.decode()
    assert "减程序" not in html and 'data-reduction="procedures"' in html
