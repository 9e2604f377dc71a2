"""Every task in the API carries its clock: due date, working days left, overdue, due soon."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ApplicationFactory
from tests.timecontrol import at
from workflows import services
from workflows.models import Step

from ..workflows.helpers import complete

pytestmark = pytest.mark.django_db




@pytest.fixture
def queue(applicant):
    """Five applications submitted on 5, 2, 9, 3, 4 March 2026: acceptance due 12, 9, 16, 10, 11 March."""
    applications = []
    for day in (5, 2, 9, 3, 4):
        application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        with at(date(2026, 3, day)):
            services.application_submit(application=application, by=applicant)
        applications.append(application)
    return applications


def test_the_queue_is_soonest_due_first_with_the_clock_of_each_task(api, acceptor, queue):
    with at(date(2026, 3, 10)):
        body = api(acceptor).get("/api/v1/tasks/", {"scope": "queue"}).json()
    clocks = [(t["due_date"], t["limit_days"], t["working_days_left"], t["overdue"], t["due_soon"])
              for t in body["results"]]
    assert clocks == [
        ("2026-03-09", 5, -1, True, False),
        ("2026-03-10", 5, 0, False, True),
        ("2026-03-11", 5, 1, False, True),
        ("2026-03-12", 5, 2, False, True),
        ("2026-03-16", 5, 4, False, False),
    ]
    assert body["next"] is None


def test_due_filters_and_keyset_pages(api, acceptor, queue):
    client = api(acceptor)
    with at(date(2026, 3, 10)):
        overdue = client.get("/api/v1/tasks/", {"scope": "queue", "due": "overdue"}).json()["results"]
        soon = client.get("/api/v1/tasks/", {"scope": "queue", "due": "due_soon"}).json()["results"]
        first = client.get("/api/v1/tasks/", {"scope": "queue", "page_size": 2}).json()
        second = client.get(first["next"]).json()
        third = client.get(second["next"]).json()
        back = client.get(third["previous"]).json()
    assert [t["due_date"] for t in overdue] == ["2026-03-09"]
    assert [t["due_date"] for t in soon] == ["2026-03-10", "2026-03-11", "2026-03-12"]
    pages = [[t["due_date"] for t in page["results"]] for page in (first, second, third)]
    assert pages == [["2026-03-09", "2026-03-10"], ["2026-03-11", "2026-03-12"], ["2026-03-16"]]
    assert third["next"] is None and first["previous"] is None
    assert [t["due_date"] for t in back["results"]] == ["2026-03-11", "2026-03-12"]


def test_bad_query_parameters_are_400s_in_chinese(api, acceptor, queue):
    client = api(acceptor)
    assert client.get("/api/v1/tasks/", {"due": "someday"}).status_code == 400
    response = client.get("/api/v1/tasks/", {"scope": "queue", "cursor": "garbage"})
    assert response.status_code == 400 and "翻页参数无效" in str(response.json())


def test_a_queue_page_costs_the_same_queries_on_any_page(api, acceptor, queue):
    client = api(acceptor)

    def selects(url, params=None):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        return response.json(), len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")])

    with at(date(2026, 3, 10)):
        client.get("/api/v1/tasks/", {"scope": "queue"})  # warms the per-process caches (calendar, permissions)
        first, n_first = selects("/api/v1/tasks/", {"scope": "queue", "page_size": 2})
        _second, n_second = selects(first["next"])
    assert n_first == n_second
    assert n_first <= 5  # token, user, permissions (x2), the page: never a COUNT(*)


def test_the_timeline_shows_the_clocks_and_keeps_stopped_time_apart(api, applicant, acceptor, queue):
    application = queue[1]  # submitted 2 March
    with at(date(2026, 3, 4)):
        complete(application, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    with at(date(2026, 3, 9)):
        complete(application, "supplement", applicant, "resubmit", comment="已补充")
    with at(date(2026, 3, 10)):
        body = api(applicant).get(f"/api/v1/applications/{application.pk}/timeline/").json()
    steps = [(s["node"], s["clock"], s["due_date"], s["used_days"], s["stopped_days"], s["working_days_left"])
             for s in body["steps"]]
    assert steps == [
        ("accept", "approval", "2026-03-09", 2, 0, None),
        ("supplement", "applicant", "2026-04-16", 3, 0, None),
        ("accept", "approval", "2026-03-12", None, 3, 2),  # resumed: 3 of 5 left, stopped 3 days apart
    ]
    assert body["working_days"] == {"approval": 3, "review": 0, "stopped": 3}


def test_the_task_detail_has_the_clock_too(api, acceptor, queue):
    step = Step.objects.get(application=queue[1])
    with at(date(2026, 3, 10)):
        body = api(acceptor).get(f"/api/v1/tasks/{step.task_id}/").json()
    assert (body["due_date"], body["overdue"], body["working_days_left"]) == ("2026-03-09", True, -1)
