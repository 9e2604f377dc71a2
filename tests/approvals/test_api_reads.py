"""API reads run without a request transaction; the same views' writes run in one, as ATOMIC_REQUESTS
runs them (approvals.api.reads.ReadsOutsideTransaction)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from approvals.services import api_token_issue
from prepared import readable

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def commands(client, method, path, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, **kwargs)
    return response, [readable(q["sql"]).split()[0].upper() for q in captured.captured_queries]


def test_a_list_reads_outside_a_transaction_and_a_create_writes_inside_one(applicant, monitor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=applicant).key}")
    created, sql = commands(client, "post", "/api/v1/applications/", data={"name": "食品检测", "scope": [
        {"category": "食品", "item": "铅", "parameter": "铅", "standard": "GB 5009.12-2017"}]}, format="json")
    assert created.status_code == 201, created.content
    assert [item["item"] for item in created.json()["scope"]] == ["铅"]
    assert sql[0] == "BEGIN" and sql[-1] == "COMMIT"
    listed, sql = commands(client, "get", "/api/v1/applications/")
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [created.json()["id"]]
    assert "BEGIN" not in sql and "COMMIT" not in sql and sql

    refused, sql = commands(client, "patch", f"/api/v1/applications/{created.json()['id']}/",
                            data={"scope": "not a list"}, format="json")
    assert refused.status_code == 400 and "COMMIT" not in sql  # a refused write commits nothing

    monitor_client = APIClient()
    monitor_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=monitor).key}")
    figures, sql = commands(monitor_client, "get", "/api/v1/metrics/five-reductions/")
    assert figures.status_code == 200 and "reductions" in figures.json() and "BEGIN" not in sql
