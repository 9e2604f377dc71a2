"""Statutory clocks through the real flow: due dates on entry, stops and resumptions, rule sets."""

from datetime import date, datetime

import pytest
import time_machine

from documents.services import document_upload
from tests.documents.factories import pdf_bytes, upload
from tests.timecontrol import SHANGHAI, at
from workflows import clocks, services
from workflows.models import Step
from workflows.selectors import timeline

from .helpers import complete, open_step

pytestmark = pytest.mark.django_db

D = date



def submit_on(day, application, applicant):
    with at(day):
        services.application_submit(application=application, by=applicant)


def test_acceptance_is_due_five_working_days_after_submission_across_the_spring_festival(draft, applicant):
    submit_on(D(2026, 2, 12), draft, applicant)
    step = open_step(draft, "accept")
    assert (step.clock, step.limit_days, step.clock_started_on) == (Step.Clock.APPROVAL, 5, D(2026, 2, 12))
    assert step.due_date == D(2026, 2, 26)  # 13, 14 (make-up Saturday), 24, 25, 26
    status = step.due_status(on=D(2026, 2, 24))
    assert (status.working_days_left, status.overdue, status.due_soon) == (2, False, True)
    status = step.due_status(on=D(2026, 2, 27))
    assert (status.working_days_left, status.overdue, status.due_soon) == (-1, True, False)
    assert step.due_status(on=D(2026, 2, 13)).working_days_left == 4


def test_a_step_entered_late_at_night_counts_from_that_day_in_china(draft, applicant):
    # 23:30 in Beijing is still 15:30 UTC the same day; 00:30 is the previous day in UTC.
    with time_machine.travel(datetime(2026, 3, 10, 0, 30, tzinfo=SHANGHAI), tick=False):
        services.application_submit(application=draft, by=applicant)
    step = open_step(draft, "accept")
    assert step.clock_started_on == D(2026, 3, 10)
    assert step.due_date == D(2026, 3, 17)


def test_supplement_stops_the_acceptance_clock_and_the_answer_resumes_it(draft, applicant, acceptor):
    submit_on(D(2026, 2, 9), draft, applicant)  # Monday
    assert open_step(draft, "accept").due_date == D(2026, 2, 14)  # 10, 11, 12, 13, Saturday 14
    with at(D(2026, 2, 11)):  # two working days used
        complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    stopped = draft.steps.get(node="accept")
    assert (stopped.used_days, stopped.outcome) == (2, "supplement")
    supplement = open_step(draft, "supplement")
    assert (supplement.clock, supplement.limit_days) == (Step.Clock.APPLICANT, 30)
    assert supplement.due_date == D(2026, 3, 31)  # the applicant's own 30 working days
    with at(D(2026, 2, 25)):  # the applicant answers after the holiday
        complete(draft, "supplement", applicant, "resubmit", comment="已补充")
    resumed = open_step(draft, "accept")
    assert resumed.carried_days == 2
    assert resumed.stopped_days == 5  # 12, 13, 14, 24, 25 February: kept apart
    assert resumed.due_date == D(2026, 2, 28)  # three left: 26, 27 and the make-up Saturday
    assert draft.steps.get(node="supplement").used_days == 5
    with at(D(2026, 2, 27)):
        complete(draft, "accept", acceptor, "accept")
    assert draft.steps.get(pk=resumed.pk).used_days == 2
    assert draft.steps.get(pk=resumed.pk).due_status().overdue is False


def test_two_supplement_rounds_carry_all_the_days_used(draft, applicant, acceptor):
    submit_on(D(2026, 3, 2), draft, applicant)
    with at(D(2026, 3, 4)):  # 2 used
        complete(draft, "accept", acceptor, "supplement",
                 deficiencies=[{"description": "缺少人员证明", "document_code": "personnel"}])
    with at(D(2026, 3, 9)):
        document_upload(application=draft, by=applicant, requirement="personnel", file=upload(pdf_bytes(2), "人员.pdf"))
        complete(draft, "supplement", applicant, "resubmit", comment="已补充")
    with at(D(2026, 3, 10)):  # 1 more used; a second round only about what the answer supplied (一次性告知)
        complete(draft, "accept", acceptor, "supplement",
                 deficiencies=[{"description": "补交的证明缺少签章", "document_code": "personnel"}])
    with at(D(2026, 3, 16)):
        document_upload(application=draft, by=applicant, requirement="personnel", file=upload(pdf_bytes(3), "人员2.pdf"))
        complete(draft, "supplement", applicant, "resubmit", comment="已补充")
    resumed = open_step(draft, "accept")
    assert resumed.carried_days == 3
    assert resumed.due_date == D(2026, 3, 18)  # 2 left


def test_an_overdue_clock_stays_overdue_after_a_stop(draft, applicant, acceptor):
    submit_on(D(2026, 3, 2), draft, applicant)
    with at(D(2026, 3, 12)):  # 8 working days used of 5
        complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    with at(D(2026, 3, 16)):
        complete(draft, "supplement", applicant, "resubmit", comment="已补充")
    resumed = open_step(draft, "accept")
    assert resumed.due_date == D(2026, 3, 11)  # three working days before the resumption
    status = resumed.due_status(on=D(2026, 3, 16))
    assert status.overdue and status.working_days_left == -3


def test_rectification_stops_the_review_clock_and_the_decision_runs_from_the_conclusion(
        draft, applicant, acceptor, reviewer, approver, issuer):
    submit_on(D(2026, 9, 1), draft, applicant)
    with at(D(2026, 9, 2)):
        complete(draft, "accept", acceptor, "accept")
    review = open_step(draft, "review")
    assert (review.clock, review.limit_days) == (Step.Clock.REVIEW, 30)
    # From 2 Sep: 3, 4, 7–11, 14–18, 20 (make-up Sunday), 21–24, 28–30 September → 20; then
    # National Day (1–7 Oct) off, 8, 9, 10 (make-up Saturday) → 23, 12–16 October → 28, 19, 20 → 30.
    assert review.due_date == D(2026, 10, 20)
    with at(D(2026, 9, 9)):  # 5 working days of review used
        complete(draft, "review", reviewer, "rectify", review_mode="onsite",
                 findings=[{"description": "设备未检定", "clause": "4.4.2", "grade": "general"}])
    rectification = open_step(draft, "rectification")
    assert rectification.due_date == D(2026, 10, 27)  # the applicant's 30 working days
    with at(D(2026, 9, 30)):
        complete(draft, "rectification", applicant, "resubmit", comment="已整改")
    review = open_step(draft, "review")
    assert (review.carried_days, review.stopped_days) == (5, 15)
    assert review.due_date == D(2026, 11, 10)  # 25 left from 30 September, across National Day
    with at(D(2026, 10, 9)):
        complete(draft, "review", reviewer, "pass", review_mode="onsite")
    decide = open_step(draft, "decide")
    assert (decide.clock, decide.limit_days, decide.clock_started_on) == (Step.Clock.APPROVAL, 10, D(2026, 10, 9))
    assert decide.due_date == D(2026, 10, 22)  # 10 (Sat), 12–16, 19–22
    with at(D(2026, 10, 12)):
        complete(draft, "decide", approver, "approve", comment="符合条件")
    issue = open_step(draft, "issue")
    assert (issue.limit_days, issue.due_date) == (7, D(2026, 10, 21))
    with at(D(2026, 10, 13)):
        complete(draft, "issue", issuer, "issue")

    with at(D(2026, 10, 13)):
        summary = clocks.clock_summary(timeline(application=draft))
    # Counted: acceptance 1 + decision 2 + issue 1; review 5 + 2, apart; the applicant's 15, apart.
    assert summary == {"approval": 4, "review": 7, "stopped": 15}


def test_limits_come_from_the_rule_set_in_force_on_the_submission_day(draft, applicant, acceptor, reviewer):
    submit_on(D(2020, 3, 2), draft, applicant)  # before the 2021 rules: the 2015 baseline applies
    assert draft.steps.get().limit_days == 5
    with at(D(2020, 3, 3)):
        complete(draft, "accept", acceptor, "accept")
    assert open_step(draft, "review").limit_days == 45
    with at(D(2020, 3, 4)):
        complete(draft, "review", reviewer, "pass", review_mode="written")
    assert open_step(draft, "decide").limit_days == 20


def test_a_step_entered_before_its_year_is_loaded_gets_a_provisional_date_corrected_on_loading(
        draft, applicant, django_capture_on_commit_callbacks):
    from workflows.calendar import calendar_year_create, is_provisional
    from workflows.models import CalendarYear

    CalendarYear.objects.filter(year=2026).delete()  # as if 2026 were next year, not yet published
    submit_on(D(2026, 2, 12), draft, applicant)
    step = open_step(draft, "accept")
    # Provisional: weekends and the Spring Festival (16-19 Feb) off, no make-up Saturday (14 Feb):
    # 13, 20, 23, 24, 25 February.
    assert (step.limit_days, step.clock_started_on, step.due_date) == (5, D(2026, 2, 12), D(2026, 2, 25))
    assert is_provisional(step.clock_started_on, step.due_date)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_create(year=2026)  # the official schedule: 14 Feb is worked, 20 and 23 Feb are not
    step.refresh_from_db()
    assert step.due_date == D(2026, 2, 26) and not is_provisional(step.clock_started_on, step.due_date)


def test_a_calendar_edit_moves_open_deadlines_it_touches(draft, applicant, django_capture_on_commit_callbacks):
    from workflows.calendar import calendar_day_set
    from workflows.models import CalendarDay

    submit_on(D(2026, 3, 2), draft, applicant)
    assert open_step(draft, "accept").due_date == D(2026, 3, 9)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(day=D(2026, 3, 4), kind=CalendarDay.Kind.HOLIDAY, name="临时休假")
    assert open_step(draft, "accept").due_date == D(2026, 3, 10)
