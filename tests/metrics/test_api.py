"""The metrics API: who may see what, bad input, the figures, and a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import ApplicationFacts
from metrics.rollups import rollups_rebuild
from tests.factories import ApplicationFactory

from .conftest import act, at, submit

pytestmark = pytest.mark.django_db

FIVE = "/api/v1/metrics/five-reductions/"
DASHBOARD = "/api/v1/metrics/dashboard/"


def test_the_monitor_gets_the_five_reductions(api, monitor, histories):
    response = api(monitor).get(FIVE)
    assert response.status_code == 200
    body = response.json()
    assert set(body["reductions"]) == {"procedures", "steps", "time", "fees", "documents"}
    for figure in body["reductions"].values():
        assert {"baseline", "actual", "reduction_pct"} <= set(figure)
    assert body["reductions"]["time"]["reduction_pct"] == 33.2  # statutory: (205 − 137) / 205
    assert body["applications"]["total"] == 4 and body["on_time_rate"] == 0.75
    assert (body["time_p50"], body["time_p90"]) == (6, 32)


def test_filters_narrow_the_period_and_the_type(api, monitor, histories):
    body = api(monitor).get(FIVE, {"from": "2026-01-01", "to": "2026-12-31", "application_type": "initial",
                                   "track": "ordinary"}).json()
    assert body["applications"] == {"total": 1, "certified": 0, "denied": 1, "refused": 0, "withdrawn": 0}
    assert body["filters"] == {"from": "2026-01-01", "to": "2026-12-31", "application_type": "initial",
                               "track": "ordinary"}


@pytest.mark.parametrize("params, field, message", [
    ({"from": "2026-13-01"}, "from", "请输入有效日期"),
    ({"from": "2026-03-01", "to": "2026-01-01"}, "to", "结束日期不能早于开始日期"),
    ({"track": "express"}, "track", "不是有效的选项"),
])
def test_bad_filters_are_refused_in_chinese(api, monitor, params, field, message):
    response = api(monitor).get(FIVE, params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


@pytest.mark.parametrize("role", ["applicant", "acceptor", "approver"])
def test_aggregates_are_the_service_centres_only(api, request, role):
    user = request.getfixturevalue(role)
    for url in (FIVE, DASHBOARD):
        response = api(user).get(url)
        assert response.status_code == 403
        assert "政务服务中心" in response.json()["detail"]


def test_aggregates_need_a_signed_in_user(api, db):
    assert api().get(FIVE).status_code == 401


def test_an_applications_metrics_follow_its_visibility(api, applicant, applicant2, monitor, acceptor, histories):
    url = f"/api/v1/applications/{histories['A'].pk}/metrics/"
    body = api(applicant).get(url).json()
    assert body["final"] is True and body["application"] == histories["A"].pk
    # statutory limits of A's path: 80 working days under the 2015 rules, 52 now
    assert body["reductions"]["time"]["baseline"] == 80 and body["reductions"]["time"]["actual"] == 52
    assert body["reductions"]["time"]["reduction_pct"] == 35.0 and body["reductions"]["time"]["counted"] == 20
    assert body["reductions"]["steps"] == {"baseline": 11, "actual": 11, "reduction_pct": 0.0, "rework_loops": 3,
                                           "structural": {"baseline": 5, "actual": 5, "reduction_pct": 0.0}}
    assert body["reductions"]["documents"]["actual"] == 7 and body["reductions"]["documents"]["files"] == 9
    assert body["steps"]["rectification"] == {"days": 7, "late": False}
    assert api(acceptor).get(url).status_code == 200 and api(monitor).get(url).status_code == 200
    # Another agency's application: as if it did not exist.
    assert api(applicant2).get(url).status_code == 404
    assert api(applicant2).get("/api/v1/applications/999999/metrics/").status_code == 404


def test_an_open_application_shows_its_figures_so_far(api, applicant, acceptor):
    import time_machine

    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    url = f"/api/v1/applications/{application.pk}/metrics/"
    assert api(applicant).get(url).status_code == 404  # a draft has no figures yet
    submit(application, applicant, at(2025, 9, 1))
    act(application, "accept", acceptor, "accept", at(2025, 9, 3))
    with time_machine.travel(at(2025, 9, 10), tick=False):
        body = api(applicant).get(url).json()
    assert body["final"] is False and body["status"] == "accepted"
    assert body["steps"] == {"accept": {"days": 2, "late": False}, "review": {"days": 5, "late": False}}
    assert body["reductions"]["time"]["counted"] == 7 and body["reductions"]["time"]["actual"] == 5 + 30
    assert not ApplicationFacts.objects.filter(application=application).exists()  # nothing stored for an open one


def _add_facts(count: int) -> None:
    """Copies of an existing fact row for more applications (the query count must not notice)."""
    template = ApplicationFacts.objects.first()
    rows = []
    for i in range(count):
        application = ApplicationFactory(scope=1)
        template.pk = None
        template.application_id = application.pk
        template.ended_month = template.ended_month.replace(month=1 + i % 12)
        template.ended_on = template.ended_month
        rows.append(ApplicationFacts(**{f.attname: getattr(template, f.attname) for f in ApplicationFacts._meta.fields}))
    ApplicationFacts.objects.bulk_create(rows)
    rollups_rebuild()  # a bulk write goes around facts_record: the roll-ups are rebuilt at once


@pytest.mark.parametrize("url, expected", [(FIVE, 4), (DASHBOARD, 8)])
def test_query_counts_do_not_grow_with_the_data(api, monitor, histories, url, expected, settings):
    settings.CMA_DASHBOARD_CACHE_SECONDS = 0  # the figures computed each time (cached, see below)
    client = api(monitor)
    client.get(url)  # warm the calendar cache and the token

    def count() -> int:
        client.get(url)  # the permission cache, emptied when the data's new users were created
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # the token authentication and the user's permissions are the same per request
        return len([q for q in queries.captured_queries if "metrics_" in q["sql"]
                    or "workflows_step" in q["sql"] or "approvals_ruleset" in q["sql"]]), len(queries.captured_queries)

    small_own, small_all = count()
    _add_facts(40)
    large_own, large_all = count()
    assert small_own == large_own == expected
    assert small_all == large_all
    if url == DASHBOARD:  # with the figures cached, only the overdue steps are read (list and count)
        settings.CMA_DASHBOARD_CACHE_SECONDS = 30
        client.get(url)
        assert count()[0] == 2


@pytest.mark.parametrize("params", [{}, {"page": "2"}, {"format": "json", "x": ""}, {"track": ""}, {"from": "2026-01-01"},
                                    {"outcome": "certified", "authority": " 贵州 "}])
def test_without_filter_parameters_there_is_no_filter_and_with_them_the_form_decides(params):
    """``parse_filters`` skips the form when none of its parameters is given: the answer is the form's."""
    from django.http import QueryDict

    from metrics.forms import FILTER_PARAMETERS, FilterForm, parse_filters

    assert set(FILTER_PARAMETERS) == set(FilterForm().fields)
    query = QueryDict(mutable=True)
    query.update(params)
    form = FilterForm(query)
    assert form.is_valid()
    assert parse_filters(query) == parse_filters(params) == form.filters()


def test_a_bad_filter_is_still_refused_beside_other_parameters():
    from django.core.exceptions import ValidationError

    from metrics.forms import parse_filters

    with pytest.raises(ValidationError) as refused:
        parse_filters({"page": "2", "to": "2026-13-01"})
    assert "to" in refused.value.message_dict
