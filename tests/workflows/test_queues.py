"""Queues ordered by due date, with overdue and due-soon marks, paged by key with fixed queries."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.factories import ApplicationFactory
from tests.timecontrol import at
from workflows import selectors, services
from workflows.models import Step

pytestmark = pytest.mark.django_db




@pytest.fixture
def submitted(applicant):
    """Five applications submitted on different days of March 2026 (acceptance due 5 working days later)."""
    days = [date(2026, 3, 5), date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 3), date(2026, 3, 4)]
    applications = []
    for day in days:
        application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        with at(day):
            services.application_submit(application=application, by=applicant)
        applications.append(application)
    return applications


def test_the_role_queue_is_ordered_by_due_date(acceptor, submitted):
    queue = list(selectors.claimable(user=acceptor))
    assert [s.due_date for s in queue] == sorted(s.due_date for s in queue)
    assert [s.application_id for s in queue] == [submitted[i].pk for i in (1, 3, 4, 0, 2)]


def test_overdue_and_due_soon_marks_and_filters(acceptor, submitted):
    on = date(2026, 3, 10)  # due dates: 9, 10, 11, 12, 16 March
    with at(on):
        marks = [(s.due_date, s.due_status().overdue, s.due_status().due_soon) for s in selectors.claimable(user=acceptor)]
        overdue = list(selectors.claimable(user=acceptor, due="overdue"))
        due_soon = list(selectors.claimable(user=acceptor, due="due_soon"))
    assert marks == [
        (date(2026, 3, 9), True, False),
        (date(2026, 3, 10), False, True),
        (date(2026, 3, 11), False, True),
        (date(2026, 3, 12), False, True),  # two working days left: inside the default window
        (date(2026, 3, 16), False, False),
    ]
    assert [s.due_date for s in overdue] == [date(2026, 3, 9)]
    assert [s.due_date for s in due_soon] == [date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)]


def test_an_applicant_sees_only_their_agency_tasks_in_due_order(applicant, applicant2, acceptor, submitted):
    for application in submitted[:2]:
        step = Step.objects.get(application=application, node="accept")
        services.task_complete(task_id=step.task_id, by=acceptor, outcome="supplement",
                               data={"deficiencies": [{"description": "缺少人员证明"}]})
    assert len(selectors.claimable(user=applicant)) == 2
    assert list(selectors.claimable(user=applicant2)) == []
    assert not any(s.node == "supplement" for s in selectors.claimable(user=acceptor))


def walk(steps, size):
    """Page forward to the end, then back to the start; returns both orders of ids seen."""
    forward, page = [], selectors.queue_page(steps, size=size)
    forward += [s.pk for s in page]
    while page.has_next:
        page = selectors.queue_page(steps, after=page.next_cursor, size=size)
        forward += [s.pk for s in page]
    backward = [s.pk for s in page]
    while page.has_previous:
        page = selectors.queue_page(steps, before=page.previous_cursor, size=size)
        backward = [s.pk for s in page] + backward
    return forward, backward


def test_keyset_pages_walk_the_whole_queue_both_ways_without_gaps_or_repeats(acceptor, submitted):
    steps = selectors.claimable(user=acceptor)
    forward, backward = walk(steps, size=2)
    assert forward == backward == [s.pk for s in steps]
    assert len(forward) == 5


def test_undated_tasks_come_last_and_are_paged_too(acceptor, submitted):
    Step.objects.filter(application=submitted[1]).update(due_date=None)  # e.g. calendar year missing
    Step.objects.filter(application=submitted[0]).update(due_date=None)
    steps = selectors.claimable(user=acceptor)
    ordered = [s.pk for s in steps]
    assert [s.due_date for s in steps][-2:] == [None, None]
    for size in (1, 2, 3, 4):
        assert walk(steps, size=size) == (ordered, ordered)


def test_a_page_costs_one_query_whatever_its_depth(acceptor, submitted, django_assert_num_queries):
    def render(page):
        return [(s.application.reference, s.application.agency.name, s.due_status().as_dict()) for s in page.items]

    with at(date(2026, 3, 10)):
        first = selectors.queue_page(selectors.claimable(user=acceptor), size=2)
        render(first)  # warms the calendar cache (one lookup per year, per process)
        with django_assert_num_queries(1):
            render(selectors.queue_page(selectors.claimable(user=acceptor), size=2))
        with django_assert_num_queries(1):
            page = selectors.queue_page(selectors.claimable(user=acceptor), after=first.next_cursor, size=2)
            render(page)
    assert page.has_next and page.has_previous


def test_a_forged_cursor_is_a_clear_error(acceptor, submitted):
    with pytest.raises(ValidationError) as error:
        selectors.queue_page(selectors.claimable(user=acceptor), after="not-a-cursor")
    assert "翻页参数无效" in str(error.value)


def test_the_inbox_is_ordered_by_due_date(acceptor, submitted):
    for application in submitted:
        services.task_claim(task_id=Step.objects.get(application=application).task_id, by=acceptor)
    inbox = list(selectors.inbox(user=acceptor))
    assert [s.due_date for s in inbox] == sorted(s.due_date for s in inbox)
    assert selectors.claimable(user=acceptor).count() == 0
