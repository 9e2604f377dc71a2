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


FIVE = "/api/v1/metrics/five-reductions/"


def api_total(api, monitor, **params) -> int:
    response = api(monitor).get(FIVE, params)
    assert response.status_code == 200
    return response.json()["applications"]["total"]


def test_the_api_figures_come_from_the_cache_until_the_roll_ups_change(api, monitor, histories):
    assert api_total(api, monitor) == 4
    assert api_total(api, monitor, outcome="withdrawn") == 1
    MonthlyFacts.objects.all().delete()
    DailyFacts.objects.all().delete()
    assert api_total(api, monitor) == 4  # no roll-up write: the cached figures stand
    ApplicationFacts.objects.filter(application=histories["D"]).delete()
    rollups_rebuild()
    assert api_total(api, monitor) == 3
    assert api_total(api, monitor, outcome="withdrawn") == 0  # D, the withdrawn one, is gone


def test_a_rule_set_saved_empties_the_cached_api_figures(api, monitor, histories):
    assert api_total(api, monitor) == 4
    MonthlyFacts.objects.all().delete()
    DailyFacts.objects.all().delete()
    RuleSet.objects.order_by("pk").first().save()
    assert api_total(api, monitor) == 0


def test_the_api_figures_are_kept_per_filter_and_apart_from_the_dashboards(api, client, monitor, histories):
    everything = api(monitor).get(FIVE).json()
    narrowed = api(monitor).get(FIVE, {"from": "2026-01-01", "to": "2026-12-31"}).json()
    assert narrowed["applications"]["total"] < everything["applications"]["total"]
    assert narrowed["filters"] == {"from": "2026-01-01", "to": "2026-12-31"} and everything["filters"] == {}
    client.force_login(monitor)
    assert applications_shown(client) == "4"  # the dashboard's own cached page is not the API's figures
    assert api(monitor).get(FIVE).json() == everything


def test_the_cached_api_figures_are_refused_to_anyone_but_the_service_centre(api, monitor, applicant, acceptor,
                                                                             histories):
    assert api_total(api, monitor) == 4
    for user in (applicant, acceptor):
        assert api(user).get(FIVE).status_code == 403


def filter_form(html: str) -> str:
    start = html.index('<form class="filters"')
    return html[start:html.index("</form>", start)]


def test_the_unfiltered_form_is_kept_per_language_and_a_filtered_one_shows_its_filters(client, monitor, histories):
    client.force_login(monitor)
    chinese = filter_form(client.get(DASHBOARD).content.decode())
    assert "办结日期自" in chinese and 'value="2026-01-01"' not in chinese
    filtered = filter_form(client.get(DASHBOARD, {"from": "2026-01-01", "track": "commitment"}).content.decode())
    assert 'value="2026-01-01"' in filtered and '<option value="commitment" selected>' in filtered
    wrong = filter_form(client.get(DASHBOARD, {"from": "2026-02-30"}).content.decode())
    assert 'class="field-error"' in wrong and 'value="2026-02-30"' in wrong
    assert filter_form(client.get(DASHBOARD).content.decode()) == chinese  # the filters did not stick
    client.cookies["django_language"] = "en"
    english = filter_form(client.get(DASHBOARD).content.decode())
    assert "办结日期自" not in english and english != chinese and "<option" in english
    client.cookies["django_language"] = "zh-hans"
    assert filter_form(client.get(DASHBOARD).content.decode()) == chinese
