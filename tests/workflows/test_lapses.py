"""The legal effects of the statutory clocks, in travelled time (never slept), on PostgreSQL in CI:
视为受理, 视为放弃 with the late answer refused, 整改逾期; ``clocks_tick`` twice on a day changes nothing."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from approvals.models import ApplicationStatus as S
from approvals.models import Deficiency, StatusChange
from audit.models import AuditEntry
from audit.services import audit_verify
from tests.pages import client_for, text
from tests.timecontrol import at
from workflows import services
from workflows.exceptions import TaskConflict
from workflows.lapses import clocks_tick
from workflows.models import Notification, Step

from .helpers import complete, open_step

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _vendor():
    # These run on either database; CI runs them on PostgreSQL (REQUIRE_SERVICES forbids skipping).
    assert connection.vendor in ("postgresql", "sqlite")


def tick(day: date) -> str:
    out = StringIO()
    with at(day, 0, 10):  # beat's hour
        call_command("clocks_tick", stdout=out)
    return out.getvalue()


def state(application) -> tuple:
    application.refresh_from_db()
    return (application.status, StatusChange.objects.filter(application=application).count(),
            Step.objects.filter(application=application).count(), AuditEntry.objects.count(),
            Notification.objects.count())


@pytest.fixture
def submitted(draft, applicant):
    with at(date(2026, 3, 2)):  # a Monday: acceptance due Monday 9 March (5 working days)
        services.application_submit(application=draft, by=applicant)
    assert open_step(draft, "accept").due_date == date(2026, 3, 9)
    return draft


def test_nothing_happens_on_the_last_day_itself(submitted):
    assert "nothing due" in tick(date(2026, 3, 9))
    assert state(submitted)[0] == S.SUBMITTED


def test_an_acceptance_left_past_its_limit_is_deemed_accepted_from_receipt(submitted, applicant, acceptor):
    assert "accept 1" in tick(date(2026, 3, 10))
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED
    change = StatusChange.objects.filter(application=submitted).latest("id")
    assert change.transition == "deem_accepted" and change.by is None
    assert "视为受理" in change.comment and "2026-03-02" in change.comment and "2026-03-09" in change.comment
    accept = Step.objects.get(application=submitted, node="accept")
    assert (accept.state, accept.outcome, accept.finished_by) == (Step.State.DONE, "deemed_accept", None)
    assert accept.due_status().overdue  # never counted as on time
    assert open_step(submitted, "review")  # the flow moved on
    told = Notification.objects.filter(user=applicant).order_by("id").last()
    assert told.title == "申请视为受理" and "2026年3月2日" in told.body
    # the officer can no longer decide on acceptance
    with pytest.raises(TaskConflict, match="2026-03-09"):
        services.task_complete(task_id=accept.task_id, by=acceptor, outcome="refuse", data={"comment": "迟到的决定"})
    assert audit_verify().ok


def test_a_missed_day_is_caught_up_with_today_given(submitted):
    out = StringIO()
    with at(date(2026, 3, 20)):  # the worker was down; the tick is run for the day it missed
        call_command("clocks_tick", "--today", "2026-03-10", stdout=out)
    assert "clocks tick 2026-03-10: accept 1" in out.getvalue()
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED


def test_clocks_tick_twice_on_the_same_day_changes_nothing(submitted):
    tick(date(2026, 3, 10))
    before = state(submitted)
    assert "nothing due" in tick(date(2026, 3, 10))
    assert clocks_tick(on=date(2026, 3, 10)) == {}
    assert state(submitted) == before


@pytest.fixture
def supplement_requested(submitted, acceptor):
    with at(date(2026, 3, 3)):
        complete(submitted, "accept", acceptor, "supplement",
                 deficiencies=[{"description": "人员名单缺少职称", "document_code": "personnel"}])
    assert open_step(submitted, "supplement").due_date == date(2026, 4, 15)  # 30 working days, Qingming off
    return submitted


def test_a_supplement_left_unanswered_is_deemed_abandoned_and_a_late_answer_refused(supplement_requested, applicant):
    app = supplement_requested
    assert "nothing due" in tick(date(2026, 4, 15))  # the applicant still has the last day
    assert "supplement 1" in tick(date(2026, 4, 16))
    app.refresh_from_db()
    assert app.status == S.ABANDONED and app.lapsed_on == date(2026, 4, 15) and not app.is_open
    assert app.process.status == "DONE" and not Step.objects.active().filter(application=app).exists()
    assert Deficiency.objects.get(application=app).lapsed_at is not None
    told = Notification.objects.filter(user=applicant).order_by("id").last()
    assert told.title == "逾期未补正，申请视为放弃" and "2026年4月15日" in told.body
    # the late answer: refused with the date it lapsed, on the page and through the service
    with at(date(2026, 4, 24)):
        response = client_for(applicant).post(reverse("workflows:application_answer", args=[app.pk]),
                                              {"response": "补充了职称"})
    assert response.status_code == 409 and "2026-04-15" in text(response) and "视为放弃" in text(response)
    step = Step.objects.get(application=app, node="supplement")
    with pytest.raises(TaskConflict, match="2026-04-15"):
        services.task_complete(task_id=step.task_id, by=applicant, outcome="resubmit", data={"comment": "迟到"})
    app.refresh_from_db()
    assert app.status == S.ABANDONED
    before = state(app)
    tick(date(2026, 4, 24))
    assert state(app) == before


def test_an_answer_on_the_last_day_is_in_time(supplement_requested, applicant):
    from documents.services import document_upload
    from tests.documents.factories import pdf_bytes, upload

    with at(date(2026, 4, 15), 23, 50):
        document_upload(application=supplement_requested, by=applicant, requirement="personnel",
                        file=upload(pdf_bytes(2), "人员.pdf"))
        complete(supplement_requested, "supplement", applicant, "resubmit", comment="已补充")
    tick(date(2026, 4, 16))
    supplement_requested.refresh_from_db()
    assert supplement_requested.status == S.SUBMITTED


def test_a_rectification_past_its_limit_judges_the_open_items_nonconforming(submitted, acceptor, reviewer,
                                                                             applicant):
    with at(date(2026, 3, 3)):
        complete(submitted, "accept", acceptor, "accept")
    with at(date(2026, 3, 10)):
        complete(submitted, "review", reviewer, "rectify", review_mode="onsite", findings=[
            {"description": "设备未检定", "clause": "4.4.2", "grade": "general"},
            {"description": "内审未覆盖全部要素", "clause": "4.5.3", "grade": "serious"}])
    due = open_step(submitted, "rectification").due_date
    assert due == date(2026, 4, 22)  # 30 working days from 10 March, 6 April (清明) off
    assert "rectification 1" in tick(date(2026, 4, 23))
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED and submitted.lapsed_on == due
    items = Deficiency.objects.filter(application=submitted, kind="rectification")
    assert all(item.lapsed_at is not None and "判定为不符合" in item.response for item in items)
    rectification = Step.objects.get(application=submitted, node="rectification")
    assert rectification.outcome == "lapse" and rectification.due_status().overdue  # never on time
    review = open_step(submitted, "review")  # the review goes on to its conclusion
    assert review.carried_days > 0
    change = StatusChange.objects.filter(application=submitted).latest("id")
    assert change.transition == "lapse_rectification" and "2项判定为不符合" in change.comment
    told = Notification.objects.filter(user=applicant).order_by("id").last()
    assert told.title == "整改期限届满"
    with pytest.raises(TaskConflict, match="2026-04-22"):
        services.task_complete(task_id=rectification.task_id, by=applicant, outcome="resubmit",
                               data={"comment": "迟到的整改"})


def test_the_applicant_is_warned_of_the_consequence_in_advance(supplement_requested, applicant,
                                                              django_capture_on_commit_callbacks):
    from workflows import reminders

    with at(date(2026, 4, 8), 9), django_capture_on_commit_callbacks(execute=True):
        reminders.clocks_check()
    warning = Notification.objects.filter(user=applicant, kind="due_soon").get()
    assert "视为放弃申请" in warning.body


def test_the_beat_runs_the_tick_daily():
    from celery.schedules import crontab
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["clocks-tick"]
    assert entry["task"] == "workflows.tasks.clocks_tick" and isinstance(entry["schedule"], crontab)


def test_a_bad_day_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("clocks_tick", "--today", "2026-13-01")
