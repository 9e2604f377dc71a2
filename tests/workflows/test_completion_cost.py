"""What each task completion costs in SQL statements, so it cannot creep back (bench/lifecycle.py)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import User
from documents.services import _signing_key
from prepared import readable
from tests.factories import ApplicationFactory
from tests.timecontrol import at
from workflows import services

from .helpers import open_step

pytestmark = pytest.mark.django_db

# Requests to the database of each completion of a first application on the ordinary track, the two
# savepoints of the completion's own transaction included (a request's transaction, or the test's,
# is around it). On PostgreSQL, writes nobody reads back travel in one request with the statement
# after them (writebehind); the statements run are counted apart. PostgreSQL writes a new
# viewflow task with its link to the task before in one statement (a Switch before it, not yet
# written, first in the same statement), a status change with its row in one, and the audit rows
# with the chain head in one; elsewhere each is two or more.
#
# Every completion: the process lock 1 (the task found in the same statement), the task with step,
# process, application, agency, rule set and the separation-of-duties answer 1, the status change
# with its row 1 (only the changed columns of the application), the completed task 1, the Switch
# (written once, done) with the next task 1, the next step with its clock 1, this step 1, the audit
# chain 2, the outbox 1. Then what the step itself does: the acceptance notice 1; the review
# nothing; the decision its scope 3 and the letter 1; the issue the certificate number,
# certificate, version and its scope 5, the End (the process row only) 2, the signature 2 and the
# certificate PDF 1, and no next step.
# Carried on PostgreSQL: the lock (by the read), the completed task, the new step, this step, the
# outbox, the decision's approval of every scope item (by the check that every item is decided), the
# End's process row, the new certificate's pointer to its current version (an UPDATE of the
# certificate row, written after the version it points to) and that version's signature.
EXPECTED = {
    "postgresql": {"accept": 8, "review": 7, "decide": 10, "issue": 14},
    "sqlite": {"accept": 18, "review": 17, "decide": 21, "issue": 24},
}
STATEMENTS = {"accept": 13, "review": 12, "decide": 16, "issue": 21}


def statements_of_completion(application, node, user, outcome, **data) -> list[str]:
    task_id = open_step(application, node).task_id
    fresh = User.objects.get(pk=user.pk)  # as a request has it: nothing cached on the object
    with CaptureQueriesContext(connection) as captured:
        services.task_complete(task_id=task_id, by=fresh, outcome=outcome, data=data)
    return [readable(q["sql"]) for q in captured.captured_queries]


def test_each_completion_costs_a_fixed_number_of_statements(applicant, acceptor, reviewer, approver, issuer):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    expected = EXPECTED[connection.vendor]
    with at(date(2026, 3, 2)):
        services.application_submit(application=application, by=applicant)
        for user in (acceptor, reviewer, approver, issuer):
            User.objects.get(pk=user.pk).get_all_permissions()  # the permission set is cached across requests
        _signing_key()  # the key's public record is written the first time it signs, once per key
        counted, run = {}, {}
        for node, user, outcome, data in [("accept", acceptor, "accept", {}),
                                          ("review", reviewer, "pass", {"review_mode": "written"}),
                                          ("decide", approver, "approve", {"comment": "符合条件"}),
                                          ("issue", issuer, "issue", {})]:
            sql = statements_of_completion(application, node, user, outcome, **data)
            counted[node] = len(sql)
            run[node] = sum(1 + s.count(";\n") for s in sql)
            assert not any("auth_permission" in s for s in sql), node  # the permission set came from the cache
            assert sum('UPDATE "viewflow_task"' in s for s in sql) == 1, node  # the task taken on the way
            assert not any(s.startswith('UPDATE "approvals_application" SET "agency_id"') for s in sql), node
            if node == "accept":
                listing = "\n".join(f"{i:2} {s[:150]}" for i, s in enumerate(sql, 1))
        assert counted == expected, listing
        if connection.vendor == "postgresql":
            assert run == STATEMENTS  # the same work, in fewer requests
    application.refresh_from_db()
    assert application.status == "certified"  # the counted completions ran the real flow to its end


def test_a_task_taken_on_the_way_is_saved_once_with_its_completion(applicant, acceptor):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    with at(date(2026, 3, 2)):
        services.application_submit(application=application, by=applicant)
        step = open_step(application, "accept")
        statements_of_completion(application, "accept", acceptor, "accept")
    step.task.refresh_from_db()
    assert step.task.owner_id == acceptor.pk and step.task.status == "DONE"
    assert step.task.previous.get().flow_task.name == "start"
    following = step.task.leading.get()  # the Switch: written once, done, linked to the task before it
    assert following.status == "DONE" and following.flow_task_type == "SWITCH"
    assert following.leading.get().flow_task.name == "review"
    assert step.task.pk < following.pk < following.leading.get().pk  # written in the flow's order


def test_the_end_asks_what_viewflow_asks_whether_another_task_is_unfinished(applicant, acceptor):
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from workflows.nodes import unfinished_task_exists

    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    with at(date(2026, 3, 2)):
        services.application_submit(application=application, by=applicant)
    process_id = application.process.pk

    def viewflow_asks():  # viewflow's End, for an End task not yet written
        return Task.objects.filter(process_id=process_id, finished__isnull=True).exclude(pk=None).exists()

    assert unfinished_task_exists(Task, process_id) is viewflow_asks() is True  # the acceptance is open
    Task.objects.filter(process_id=process_id).update(finished=timezone.now())
    assert unfinished_task_exists(Task, process_id) is viewflow_asks() is False
    assert unfinished_task_exists(Task, process_id + 1000) is False


def test_every_node_after_a_switch_writes_the_switch_in_its_own_statement():
    """A Switch's row waits for the task it leads to (PostgreSQL): every node a Switch of the
    product's flows leads to writes it (``writes_task_before``); a node of viewflow's own would get
    it written first (``BranchActivation.create_next``)."""
    from workflows import procedures
    from workflows.nodes import Branch

    flows = procedures.FLOWS
    followers = {(flow_class, following) for flow_class in flows for node in flow_class.instance.nodes()
                 if isinstance(node, Branch) for following, _condition in node._branches}
    assert len(followers) >= 4 * len(flows)
    for flow_class, following in followers:
        assert following.activation_class.writes_task_before, (flow_class, following)
