"""The periodic clock check: reminders and escalations, each sent once however often it runs."""

from datetime import date, timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from outbox import services as outbox_services
from outbox.models import Message as OutboxMessage
from tests.factories import UserFactory
from tests.timecontrol import at
from workflows import reminders, services
from workflows.models import ClockAlert, Notification, Step

from .helpers import complete, open_step

pytestmark = pytest.mark.django_db




def reminder_messages():
    """What the clock check sent: not the applicant's messages about status changes."""
    return Notification.objects.exclude(key__startswith="status:")


def check(day: date, capture, hour: int = 9, minute: int = 0):
    """One run of the periodic job on ``day``, with its after-commit e-mails."""
    with at(day, hour, minute), capture(execute=True):
        return reminders.clocks_check()


@pytest.fixture
def submitted(draft, applicant, django_capture_on_commit_callbacks):
    with at(date(2026, 3, 2), 9), django_capture_on_commit_callbacks(execute=True):  # acceptance due Monday 9 March
        services.application_submit(application=draft, by=applicant)
    mail.outbox.clear()  # the applicant's receipt of the submission (tests/workflows/test_applicant_messages.py)
    return draft


def titles(user):
    return list(reminder_messages().filter(user=user).order_by("id").values_list("title", flat=True))


def test_the_role_is_reminded_before_the_due_date_once(submitted, acceptor, reviewer,
                                                        django_capture_on_commit_callbacks):
    other_acceptor = UserFactory(username="acceptor2", role="acceptor")
    assert check(date(2026, 3, 4), django_capture_on_commit_callbacks)["due_soon"] == 0  # 3 working days left
    counts = check(date(2026, 3, 5), django_capture_on_commit_callbacks)  # 2 left: inside the window
    assert counts["due_soon"] == 1
    for _ in range(3):
        assert check(date(2026, 3, 5), django_capture_on_commit_callbacks, hour=10)["due_soon"] == 0
    assert check(date(2026, 3, 6), django_capture_on_commit_callbacks)["due_soon"] == 0
    for user in (acceptor, other_acceptor):  # unclaimed: everyone who may take it
        (title,) = titles(user)
        assert "即将到期" in title and submitted.reference in title and "2026年3月9日" in title
    assert titles(reviewer) == []
    assert ClockAlert.objects.filter(kind="due_soon").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["acceptor2@example.com", "acceptor@example.com"]
    assert "还剩2个工作日" in mail.outbox[0].body
    assert reminder_messages().filter(emailed_at__isnull=True).count() == 0


def test_a_claimed_task_reminds_only_its_holder(submitted, acceptor, django_capture_on_commit_callbacks):
    UserFactory(username="acceptor2", role="acceptor")
    services.task_claim(task_id=open_step(submitted, "accept").task_id, by=acceptor)
    check(date(2026, 3, 5), django_capture_on_commit_callbacks)
    assert reminder_messages().get().user == acceptor


def test_an_overdue_task_is_escalated_once_to_the_supervisors(submitted, acceptor, monitor,
                                                              django_capture_on_commit_callbacks):
    services.task_claim(task_id=open_step(submitted, "accept").task_id, by=acceptor)
    counts = check(date(2026, 3, 9), django_capture_on_commit_callbacks)
    assert (counts["due_soon"], counts["overdue"]) == (1, 0)  # due today: a reminder, not yet overdue
    counts = check(date(2026, 3, 10), django_capture_on_commit_callbacks)
    assert (counts["due_soon"], counts["overdue"]) == (0, 1)
    assert check(date(2026, 3, 11), django_capture_on_commit_callbacks)["overdue"] == 0
    (escalation,) = reminder_messages().filter(user=monitor)
    assert escalation.kind == "overdue" and "超期督办" in escalation.title
    assert "已超期1个工作日" in escalation.body and "经办人：acceptor" in escalation.body
    assert [n.kind for n in reminder_messages().filter(user=acceptor).order_by("id")] == ["due_soon", "overdue"]


def test_nothing_is_sent_for_a_finished_task(submitted, acceptor, django_capture_on_commit_callbacks):
    with at(date(2026, 3, 3), 9):
        complete(submitted, "accept", acceptor, "accept")
    counts = check(date(2026, 3, 20), django_capture_on_commit_callbacks)  # the review is due 15 April
    assert counts["overdue"] == counts["due_soon"] == 0
    assert not reminder_messages().exists()


def test_the_applicant_is_reminded_before_the_supplement_period_ends(submitted, applicant, acceptor,
                                                                     django_capture_on_commit_callbacks):
    colleague = UserFactory(username="colleague", agency=applicant.agency, role="applicant")
    with at(date(2026, 3, 3), 9):
        complete(submitted, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    step = open_step(submitted, "supplement")
    assert step.due_date == date(2026, 4, 15)  # 30 working days (Qingming 4–6 April off)
    assert check(date(2026, 4, 7), django_capture_on_commit_callbacks)["applicant_due_soon"] == 0  # 6 left
    assert check(date(2026, 4, 8), django_capture_on_commit_callbacks)["applicant_due_soon"] == 1  # 5 left
    assert check(date(2026, 4, 9), django_capture_on_commit_callbacks)["applicant_due_soon"] == 0
    for user in (applicant, colleague):
        (title,) = titles(user)
        assert "期限提醒" in title and "补正" in title
    assert titles(acceptor) == []
    # Past the period the applicant and the officer who asked for the supplement hear of it.
    assert check(date(2026, 4, 16), django_capture_on_commit_callbacks)["overdue"] == 1
    assert "期限已过" in titles(applicant)[-1]
    assert "期限已过" in titles(acceptor)[-1]


def test_an_alert_another_worker_claimed_is_skipped(submitted, acceptor, django_capture_on_commit_callbacks):
    step = open_step(submitted, "accept")
    ClockAlert.objects.create(step=step, kind="due_soon", due_date=step.due_date)  # the other worker's
    assert check(date(2026, 3, 5), django_capture_on_commit_callbacks)["due_soon"] == 0
    assert reminders._claim(step, "due_soon") is None  # the insert-or-skip itself
    assert not reminder_messages().exists()


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise SMTPException("mail server down")


def test_a_mail_that_failed_is_sent_by_a_later_run(submitted, acceptor, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    check(date(2026, 3, 5), django_capture_on_commit_callbacks)
    notification = reminder_messages().get()
    assert notification.email_wanted and notification.emailed_at is None  # kept, not lost
    message = OutboxMessage.objects.get(handler="notifications.email", key=str(notification.pk))
    assert message.done_at is None and message.attempts == 1 and "mail server down" in message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def reconcile(minute: int) -> int:
        with at(date(2026, 3, 5), 9, minute), django_capture_on_commit_callbacks(execute=True):
            return outbox_services.reconcile()

    assert reconcile(1) == 0  # backing off: twice the retry delay after one failure
    assert reconcile(5) == 1
    assert [m.to for m in mail.outbox] == [["acceptor@example.com"]]
    assert OutboxMessage.objects.get(pk=message.pk).done_at is not None
    assert reconcile(30) == 0
    assert len(mail.outbox) == 1


def test_a_user_without_an_address_gets_the_in_app_message_only(submitted, acceptor,
                                                                django_capture_on_commit_callbacks):
    acceptor.email = ""
    acceptor.save()
    check(date(2026, 3, 5), django_capture_on_commit_callbacks)
    assert reminder_messages().get(user=acceptor).email_wanted is False
    assert mail.outbox == []


def test_a_step_waiting_for_a_calendar_year_is_caught_up_once_loaded(submitted, acceptor,
                                                                     django_capture_on_commit_callbacks):
    Step.objects.update(due_date=None)  # as if entered while the year was missing
    counts = check(date(2026, 3, 10), django_capture_on_commit_callbacks)
    assert counts["due_dates_filled"] == 1 and counts["overdue"] == 1
    assert open_step(submitted, "accept").due_date == date(2026, 3, 9)


def test_late_december_without_next_years_calendar_still_escalates(draft, applicant, acceptor, monitor,
                                                                   django_capture_on_commit_callbacks):
    with at(date(2026, 12, 21), 9):
        services.application_submit(application=draft, by=applicant)
    assert open_step(draft, "accept").due_date == date(2026, 12, 28)
    counts = check(date(2026, 12, 30), django_capture_on_commit_callbacks)  # the window runs into 2027: provisional
    assert counts["due_soon"] == 0 and counts["overdue"] == 1
    assert reminder_messages().filter(user=monitor).count() == 1


def test_escalation_group_is_configurable(submitted, acceptor, approver, monitor, settings,
                                          django_capture_on_commit_callbacks):
    settings.CMA_ESCALATION_GROUP = "approver"
    check(date(2026, 3, 10), django_capture_on_commit_callbacks)
    assert reminder_messages().filter(user=approver, kind="overdue").exists()
    assert not reminder_messages().filter(user=monitor).exists()


def test_reminder_window_is_configurable(submitted, acceptor, settings, django_capture_on_commit_callbacks):
    settings.CMA_REMINDER_WORKING_DAYS = 4
    assert check(date(2026, 3, 3), django_capture_on_commit_callbacks)["due_soon"] == 1  # 4 left


def test_the_beat_schedule_registers_the_check():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["statutory-clocks"]
    assert entry["task"] == "workflows.tasks.clocks_check"
    from project.celery import app

    app.loader.import_default_modules()
    assert "workflows.tasks.clocks_check" in app.tasks
    assert timedelta(seconds=entry["schedule"]) <= timedelta(hours=1)


def test_administrators_hear_once_that_deadlines_in_a_year_without_its_schedule_are_provisional(
        draft, applicant, acceptor, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-2026")
    with at(date(2026, 12, 21), 9):
        services.application_submit(application=draft, by=applicant)
        complete(draft, "accept", acceptor, "accept")  # the review's 30 working days run into 2027
    assert open_step(draft, "review").due_date.year == 2027  # provisional, never none
    for hour in (9, 10):
        check(date(2026, 12, 22), django_capture_on_commit_callbacks, hour=hour)
    (message,) = reminder_messages().filter(user=root)
    assert "2027" in message.title and "暂定" in message.title and "1个办理环节" in message.body
    assert message.url == "/admin/workflows/calendaryear/"


def test_administrators_hear_once_that_a_calendar_year_is_missing(draft, applicant, acceptor,
                                                                  django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-2026")
    with at(date(2026, 3, 2), 9):
        services.application_submit(application=draft, by=applicant)
    # a deadline the calendar cannot give (here: a year before the table starts; in practice a gap)
    Step.objects.filter(application=draft).update(clock_started_on=date(2014, 12, 1), due_date=None)
    for hour in (9, 10):
        check(date(2026, 3, 3), django_capture_on_commit_callbacks, hour=hour)
    (message,) = reminder_messages().filter(user=root)
    assert "2014" in message.title and "1个办理环节" in message.body
    assert message.url == "/admin/workflows/calendaryear/"
