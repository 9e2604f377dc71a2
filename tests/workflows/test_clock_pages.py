"""Due dates, working days left and overdue marks on the queue, task and application pages."""

import re
from datetime import date

import pytest
from django.urls import reverse

from tests.factories import ApplicationFactory
from tests.pages import client_for, text
from tests.timecontrol import at
from workflows import services
from workflows.models import Step

from .helpers import complete, open_step

pytestmark = pytest.mark.django_db




@pytest.fixture
def queue(applicant):
    """Applications submitted on 5, 2, 9 and 3 March 2026: acceptance due 12, 9, 16 and 10 March."""
    applications = []
    for day in (5, 2, 9, 3):
        application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        with at(date(2026, 3, day)):
            services.application_submit(application=application, by=applicant)
        applications.append(application)
    return applications


def test_the_queue_page_is_soonest_due_first_with_marks(acceptor, queue):
    with at(date(2026, 3, 10)):
        page = text(client_for(acceptor).get(reverse("workflows:claimable")))
    assert re.findall(r'data-due="([\d-]+)"', page) == ["2026-03-09", "2026-03-10", "2026-03-12", "2026-03-16"]
    rows = page.split("<tr data-task=")[1:]
    assert "data-overdue" in rows[0] and "超期 1 个工作日" in rows[0]
    assert "data-due-soon" in rows[1] and "今天到期" in rows[1]
    assert "data-due-soon" in rows[2] and "剩 2 个工作日" in rows[2]
    assert "data-days-left=\"4\"" in rows[3] and "data-overdue" not in rows[3]
    assert "办理期限最近的排在最前" in page


def test_queue_pages_go_back_and_forth_in_due_order(applicant, acceptor, queue):
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12) * 2:
        application = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=1)
        with at(date(2026, 3, day)):
            services.application_submit(application=application, by=applicant)
    client = client_for(acceptor)
    url = reverse("workflows:claimable")
    with at(date(2026, 3, 10)):
        first = client.get(url).context["page"]
        second = client.get(url, {"after": first.next_cursor}).context["page"]
        back = client.get(url, {"before": second.previous_cursor}).context["page"]
    assert len(first) == 20 and len(second) == 2 and not second.has_next
    assert [(s.due_date, s.pk) for s in [*first, *second]] == sorted((s.due_date, s.pk) for s in [*first, *second])
    assert [s.pk for s in back] == [s.pk for s in first] and not back.has_previous


def test_the_task_page_shows_the_deadline(acceptor, queue):
    step = open_step(queue[1], "accept")
    with at(date(2026, 3, 6)):
        page = text(client_for(acceptor).get(reverse("workflows:task_detail", args=[step.task_id])))
    work = page[page.index('data-section="clock"'):]
    assert 'data-due="2026-03-09"' in work and "剩 1 个工作日" in work


def test_the_applicant_sees_the_answer_deadline_and_stopped_time(applicant, acceptor, queue):
    application = queue[1]  # submitted 2 March
    with at(date(2026, 3, 4)):
        complete(application, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    with at(date(2026, 3, 10)):
        page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[application.pk])))
    callout = page[page.index('data-section="clock"'):]
    assert 'data-due="2026-04-16"' in callout and "剩 26 个工作日" in callout
    with at(date(2026, 3, 11)):
        complete(application, "supplement", applicant, "resubmit", comment="已补充")
        page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[application.pk])))
    steps = page[page.index('data-section="steps"'):]
    resumed = steps.split('data-step="accept"')[2]
    assert "停止计时前已用 2 个工作日" in resumed and "停止计时 5 个工作日" in resumed
    assert 'data-due="2026-03-16"' in resumed  # 3 left from 11 March: 12, 13, 16


def test_a_due_date_the_calendar_cannot_give_is_said_so(acceptor, queue):
    Step.objects.filter(application=queue[0]).update(due_date=None)
    with at(date(2026, 3, 10)):
        page = text(client_for(acceptor).get(reverse("workflows:claimable")))
    assert "期限待定（工作日历缺少该年度）" in page


def test_the_marks_read_in_english_too(acceptor, queue):
    client = client_for(acceptor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with at(date(2026, 3, 10)):
        page = text(client.get(reverse("workflows:claimable")))
    assert "1 working day overdue" in page and "Due today" in page and "2 working days left" in page
