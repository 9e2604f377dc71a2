"""GET /api/v1/notifications/ and marking read: only the caller's own, with the unread count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from prepared import readable
from workflows.models import Notification
from workflows.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def messages(acceptor, reviewer):
    rows = notify(users=[acceptor], title="第一条", body="正文一")
    rows += notify(users=[acceptor], title="第二条", url="/tasks/1/")
    rows += notify(users=[reviewer], title="别人的")
    return rows


def test_list_is_newest_first_with_the_unread_count(client_for, acceptor, messages):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(acceptor).get("/api/v1/notifications/")
    assert response.status_code == 200
    selects = [readable(q["sql"]) for q in queries.captured_queries if readable(q["sql"]).startswith("SELECT")]
    assert len(selects) == 2  # the page and the unread count: no COUNT(*) of the whole list
    body = response.json()
    assert body["unread_count"] == 2
    assert [n["title"] for n in body["results"]] == ["第二条", "第一条"]
    assert body["results"][0] == {**body["results"][0], "is_read": False, "url": "/tasks/1/", "kind": "info"}
    assert body["next"] is None


def test_mark_one_read_then_all(client_for, acceptor, messages):
    client = client_for(acceptor)
    first = Notification.objects.get(title="第一条")
    response = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.get("/api/v1/notifications/").json()["unread_count"] == 1
    assert [n["title"] for n in client.get("/api/v1/notifications/?unread=1").json()["results"]] == ["第二条"]
    response = client.post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": 1, "unread_count": 0}
    assert client.get("/api/v1/notifications/").json()["unread_count"] == 0


def test_another_users_notification_is_not_found(client_for, acceptor, messages):
    theirs = Notification.objects.get(title="别人的")
    response = client_for(acceptor).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    titles = [n["title"] for n in client_for(acceptor).get("/api/v1/notifications/").json()["results"]]
    assert "别人的" not in titles


def test_pages_follow_the_next_link(client_for, acceptor):
    for i in range(25):
        notify(users=[acceptor], title=f"消息{i}")
    client = client_for(acceptor)
    first = client.get("/api/v1/notifications/").json()
    assert len(first["results"]) == 20 and first["unread_count"] == 25
    second = client.get(first["next"]).json()
    assert [n["title"] for n in second["results"]] == [f"消息{i}" for i in range(4, -1, -1)]


def test_anonymous_callers_are_refused():
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)
