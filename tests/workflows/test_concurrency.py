"""Two officials complete the same task at the same moment, on two real PostgreSQL connections."""

import threading

import pytest
from django.db import connection, connections

from approvals.models import StatusChange
from tests.factories import ApplicantFactory, ApplicationFactory, UserFactory
from workflows import services
from workflows.exceptions import TaskConflict
from workflows.models import Step

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_at_once(*calls):
    """Run each call in its own thread (own DB connection), released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def submitted():
    """A submitted application and two acceptance officers."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real connections and row locks")
    applicant = ApplicantFactory()
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    services.application_submit(application=app, by=applicant)
    task_id = Step.objects.get(application=app, node="accept").task_id
    return app, task_id, UserFactory(role="acceptor"), UserFactory(role="acceptor")


def test_two_officials_complete_the_same_task_exactly_one_wins(submitted):
    app, task_id, first, second = submitted

    results = run_at_once(
        lambda: services.task_complete(task_id=task_id, by=first, outcome="accept", data={"comment": "甲"}),
        lambda: services.task_complete(task_id=task_id, by=second, outcome="supplement",
                                       data={"deficiencies": [{"description": "乙"}]}),
    )
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, TaskConflict)

    app.refresh_from_db()
    winner = next(i for i, (kind, _) in enumerate(results) if kind == "ok")
    expected = ["accepted", "supplement_requested"][winner]
    assert app.status == expected
    assert StatusChange.objects.filter(application=app, source="submitted").count() == 1
    accept = Step.objects.get(application=app, node="accept")
    assert accept.state == "done" and accept.finished_by == [first, second][winner]
    assert Step.objects.filter(application=app).count() == 2  # exactly one next task
    assert app.deficiencies.count() == (0 if winner == 0 else 1)


def test_two_claims_at_once_one_gets_the_task(submitted):
    _app, task_id, first, second = submitted
    results = run_at_once(
        lambda: services.task_claim(task_id=task_id, by=first),
        lambda: services.task_claim(task_id=task_id, by=second),
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    step = Step.objects.get(task_id=task_id)
    assert step.claimed_by in (first, second) and step.task.owner_id == step.claimed_by_id
