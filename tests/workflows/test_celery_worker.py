"""End to end on a real broker: beat schedules the clock check, a real worker runs it, mails go out once.

Needs CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL: the worker thread opens its own
connection, so it must see what the test committed). CI sets both; without them this is skipped.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail

from tests.timecontrol import SHANGHAI
from workflows import services, tasks
from workflows.models import ClockAlert, Notification

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]



def test_beat_and_a_real_worker_send_each_reminder_once(worker, draft, applicant, acceptor, monitor):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), tick=False):
        services.application_submit(application=draft, by=applicant)  # acceptance due 9 March

    with time_machine.travel(datetime(2026, 3, 5, 9, tzinfo=SHANGHAI), tick=True) as clock:
        scheduler = DatabaseScheduler(app=worker)
        try:
            assert PeriodicTask.objects.filter(name="statutory-clocks", task="workflows.tasks.clocks_check").exists()
            clock.shift(timedelta(minutes=16))  # one interval later the entry is due
            for _ in range(len(scheduler.schedule) + 1):  # beat sends one due entry per tick (the outbox's too)
                if scheduler.tick() != 0:
                    break  # nothing more is due: the check was published to Redis; the worker runs it
        finally:
            # What beat writes when it stops, written now: left to its exit hook, it ran after the
            # test database was dropped and logged a database error under the test summary.
            scheduler._finalize()
        # The worker takes tasks in order: once a check sent now has answered, the beat's run and
        # the mails it queued are done. Two more runs over the same state send nothing.
        second = tasks.clocks_check.delay().get(timeout=30)
        third = tasks.clocks_check.delay().get(timeout=30)

    assert second["due_soon"] == third["due_soon"] == 0
    assert ClockAlert.objects.filter(kind="due_soon").count() == 1
    reminders = Notification.objects.filter(alert__isnull=False)  # not the applicant's receipt of the submission
    assert list(reminders.values_list("user__username", "kind")) == [("acceptor", "due_soon")]
    assert reminders.get().emailed_at is not None
    officials = [m for m in mail.outbox if m.to != [applicant.email]]
    assert [m.to for m in officials] == [["acceptor@example.com"]]
    assert draft.reference in officials[0].subject
