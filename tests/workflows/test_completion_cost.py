"""What one task completion costs in SQL statements, so it cannot creep back (bench/lifecycle.py)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import User
from tests.factories import ApplicationFactory
from tests.timecontrol import at
from workflows import services

from .helpers import open_step

pytestmark = pytest.mark.django_db


def statements_of_completion(application, node, user, outcome, **data) -> list[str]:
    task_id = open_step(application, node).task_id
    fresh = User.objects.get(pk=user.pk)  # as a request has it: nothing cached on the object
    with CaptureQueriesContext(connection) as captured:
        services.task_complete(task_id=task_id, by=fresh, outcome=outcome, data=data)
    return [q["sql"] for q in captured.captured_queries]


def test_an_acceptance_costs_a_fixed_number_of_statements(applicant, acceptor):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    with at(date(2026, 3, 2)):
        services.application_submit(application=application, by=applicant)
        User.objects.get(pk=acceptor.pk).get_all_permissions()  # the permission set is cached across requests
        step = open_step(application, "accept")
        sql = statements_of_completion(application, "accept", acceptor, "accept")
    # Where they go (SQLite and PostgreSQL alike; savepoints counted): the task before the lock 1,
    # the lock 1, task + step + process + application + rule set 1; the transition, its audit and the
    # audit chain 5; viewflow completing the task, the Switch and the next task 6 (the task taken on
    # the way is saved once, with its completion; the Switch keeps no savepoint); the next step's
    # record and clock 2, this step's 1; the acceptance notice scheduled 4; the savepoints of the lock 2.
    # 23 for the step itself, 1 for the side effects (one outbox INSERT), 1 for separation of duties
    assert len(sql) == 25, "\n".join(f"{i:2} {s[:150]}" for i, s in enumerate(sql, 1))
    assert not any("auth_permission" in s for s in sql)  # the permission set came from the cache
    assert sum(s.startswith("UPDATE \"viewflow_task\"") and "'HUMAN'" in s for s in sql) == 1
    step.task.refresh_from_db()
    assert step.task.owner_id == acceptor.pk and step.task.status == "DONE"  # taken on the way, saved once
