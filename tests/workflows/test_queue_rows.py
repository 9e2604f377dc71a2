"""Queue pages are read as values in one query; the permission set is cached between requests."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prepared import readable
from tests.factories import ApplicationFactory
from tests.timecontrol import at
from workflows import selectors, services
from workflows.api import TaskSerializer
from workflows.models import Step

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(applicant, acceptor):
    """Six submitted applications (two on one day: rows that share a clock); the acceptor has claimed
    two of them (the first two)."""
    applications = []
    for day in (2, 3, 5, 5, 6, 9):
        application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        with at(date(2026, 3, day)):
            services.application_submit(application=application, by=applicant)
        applications.append(application)
    with at(date(2026, 3, 9)):
        for application in applications[:2]:
            step = Step.objects.get(application=application, node="accept")
            services.task_claim(task_id=step.task_id, by=acceptor)
    return applications


def statements(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content[:300]
    sent = [readable(q["sql"]) for q in captured.captured_queries]
    return response, [sql for sql in sent if not sql.startswith(("SAVEPOINT", "RELEASE"))]


@pytest.mark.parametrize("scope", ["inbox", "queue"])
def test_a_queue_row_reads_as_the_task_serializer_writes_it(api, acceptor, queue, scope):
    with at(date(2026, 3, 10)):
        body = api(acceptor).get("/api/v1/tasks/", {"scope": scope}).json()
        steps = selectors.inbox(user=acceptor) if scope == "inbox" else selectors.claimable(user=acceptor)
        expected = TaskSerializer(list(steps), many=True).data
    assert len(body["results"]) == (2 if scope == "inbox" else 4)
    assert body["results"] == [dict(row) for row in expected]
    if scope == "inbox":
        assert {row["claimed_by"] for row in body["results"]} == {acceptor.username}


def test_the_queue_api_costs_two_statements_on_any_page(acceptor, queue):
    from rest_framework.test import APIClient

    from approvals.services import api_token_issue

    client = APIClient()  # one token for the whole test: what a client holds, not issued per request
    with at(date(2026, 3, 10)):
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=acceptor).key}")
        client.get("/api/v1/tasks/", {"scope": "queue"})  # warms the calendar and the permission cache
        first, first_sql = statements(lambda: client.get("/api/v1/tasks/", {"scope": "queue", "page_size": 1}))
        _second, second_sql = statements(lambda: client.get(first.json()["next"]))
    # The token (with its user) and the page itself: no permission query, no COUNT(*).
    assert len(first_sql) == len(second_sql) == 2, first_sql
    assert "authtoken_token" in first_sql[0] and "workflows_step" in first_sql[1]
    assert not any("auth_permission" in sql or "COUNT(" in sql.upper() for sql in first_sql + second_sql)


def test_the_queue_page_costs_the_same_statements_on_any_page(client, applicant, acceptor, queue):
    for _ in range(40):  # two pages and more of unclaimed tasks (a page holds 20)
        with at(date(2026, 3, 9)):
            services.application_submit(application=ApplicationFactory(agency=applicant.agency, created_by=applicant),
                                        by=applicant)
    client.force_login(acceptor)
    with at(date(2026, 3, 10)):
        client.get(reverse("workflows:inbox"))  # warms the calendar and the permission cache
        first, first_sql = statements(lambda: client.get(reverse("workflows:claimable")))
        page = selectors.queue_page(selectors.queue_rows(selectors.claimable(user=acceptor), holder=False))
        second, second_sql = statements(lambda: client.get(reverse("workflows:claimable"), {"after": page.next_cursor}))
    # The session, the user, the page: the navigation's roles come from the cached permission set.
    assert len(first_sql) == len(second_sql) == 3, first_sql
    assert not any("auth_permission" in sql or "COUNT(" in sql.upper() for sql in first_sql + second_sql)
    first_html, second_html = first.content.decode(), second.content.decode()
    assert first_html.count("data-task=") == second_html.count("data-task=") == 20
    assert queue[2].reference in first_html and queue[2].reference not in second_html
    assert queue[0].reference not in first_html  # claimed: in the inbox, not the queue
    step = Step.objects.get(application=queue[2])
    assert f'href="{reverse("workflows:task_detail", args=[step.task_id])}"' in first_html
    assert f'action="{reverse("workflows:task_claim", args=[step.task_id])}"' in first_html


def test_a_role_taken_away_takes_the_queue_away_at_once(api, acceptor, queue):
    client = api(acceptor)
    with at(date(2026, 3, 10)):
        assert len(client.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"]) == 4  # cached now
        acceptor.groups.remove(Group.objects.get(name="acceptor"))
        assert client.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"] == []
        acceptor.groups.add(Group.objects.get(name="acceptor"))
        assert len(client.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"]) == 4


def test_a_group_losing_a_permission_empties_every_members_cache(api, acceptor, queue):
    client = api(acceptor)
    group = Group.objects.get(name="acceptor")
    with at(date(2026, 3, 10)):
        assert len(client.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"]) == 4
        group.permissions.remove(*group.permissions.filter(codename="accept_application"))
        assert client.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"] == []


def test_a_deactivated_user_gets_no_permissions_from_the_cache(acceptor, queue):
    from approvals.models import User

    assert "approvals.accept_application" in User.objects.get(pk=acceptor.pk).get_all_permissions()
    User.objects.filter(pk=acceptor.pk).update(is_active=False)  # no signal: the check reads the row
    assert User.objects.get(pk=acceptor.pk).get_all_permissions() == set()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_queue_api_is_read_outside_a_request_transaction(acceptor, queue):
    """No BEGIN and COMMIT around a read: two round trips of the four it took."""
    from rest_framework.test import APIClient

    from approvals.services import api_token_issue

    client = APIClient()
    with at(date(2026, 3, 10)):
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=acceptor).key}")
        client.get("/api/v1/tasks/", {"scope": "queue"})
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/tasks/", {"scope": "queue"})
    assert response.status_code == 200 and len(response.json()["results"]) == 4
    assert [readable(q["sql"]).split()[0] for q in captured.captured_queries] == ["SELECT", "SELECT"]


def test_a_refused_read_does_not_end_the_transaction_around_it(api, acceptor, queue):
    """Inside a caller's transaction (this test's) a read's 400 is kept to a savepoint: DRF marks the
    enclosing transaction for rollback on an error, and the caller goes on."""
    client = api(acceptor)
    with at(date(2026, 3, 10)):
        refused = client.get("/api/v1/tasks/", {"scope": "queue", "page_size": "0"})
        assert refused.status_code == 400 and "page_size" in refused.json()
        assert Step.objects.filter(state="open").count() == 4  # would raise if the mark had reached us
        assert client.get("/api/v1/tasks/", {"scope": "queue"}).status_code == 200


@pytest.mark.parametrize("params", [{}, {"scope": "queue"}, {"scope": "inbox", "due": "overdue", "page_size": "5"},
                                    {"scope": "queue", "cursor": "abc", "other": "x"}])
def test_the_query_parameters_are_validated_once_as_the_serializer_does(params):
    from workflows.api import TaskListQuery, _validated_task_list_query, task_list_params

    items = tuple(sorted(params.items()))
    query = TaskListQuery(data=params)
    assert query.is_valid()
    first = task_list_params(items)
    assert first == dict(query.validated_data)
    first["scope"] = "changed by a caller"  # a caller's copy: the remembered answer stays as it was
    hits = _validated_task_list_query.cache_info().hits
    assert task_list_params(items) == dict(query.validated_data)
    assert _validated_task_list_query.cache_info().hits == hits + 1


@pytest.mark.parametrize("params", [{"scope": "all"}, {"page_size": "0"}, {"scope": ""}, {"due": "soon"}])
def test_refused_query_parameters_are_refused_each_time_and_not_remembered(api, acceptor, params):
    from workflows.api import _validated_task_list_query

    before = _validated_task_list_query.cache_info()
    answers = [api(acceptor).get("/api/v1/tasks/", params) for _ in range(2)]
    assert [a.status_code for a in answers] == [400, 400] and answers[0].json() == answers[1].json()
    assert set(answers[0].json()) == set(params)
    after = _validated_task_list_query.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (2, 0)  # checked anew each time
    assert after.currsize == before.currsize
