"""Two workers run the clock check at the same moment, on two real PostgreSQL connections:
every alert still goes out exactly once."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection

from tests.factories import ApplicationFactory, UserFactory
from tests.timecontrol import SHANGHAI
from workflows import reminders, services
from workflows.models import ClockAlert, Notification

from .test_concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]



def test_two_workers_at_once_send_each_alert_once(applicant, monitor, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real connections and SKIP LOCKED row locks")
    acceptors = [UserFactory(username=f"acceptor{i}", role="acceptor") for i in range(3)]
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), tick=False):
        for _ in range(60):  # due 9 March
            services.application_submit(application=ApplicationFactory(agency=applicant.agency, created_by=applicant),
                                        by=applicant)
    monkeypatch.setattr(reminders, "BATCH", 5)  # many small transactions, so the workers interleave
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=SHANGHAI), tick=True):  # all overdue by one day
        results = run_at_once(reminders.clocks_check, reminders.clocks_check, reminders.clocks_check)
    assert [kind for kind, _ in results] == ["ok", "ok", "ok"], results
    assert sum(counts["overdue"] for _, counts in results) == 60
    assert ClockAlert.objects.filter(kind="overdue").count() == 60
    # Each acceptor and the supervisor: one message per task, never two.
    for user in [*acceptors, monitor]:
        assert Notification.objects.filter(user=user, kind="overdue").count() == 60
