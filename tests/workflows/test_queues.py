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


# The pages and the API read a queue through compiled queries (``Queue``); the same pages over the
# queryset are the reference.
SOURCES = {"queryset": lambda user: selectors.claimable(user=user),
           "compiled": lambda user: selectors.Queue.of(user=user, scope="queue")}


@pytest.mark.parametrize("source", SOURCES)
def test_keyset_pages_walk_the_whole_queue_both_ways_without_gaps_or_repeats(acceptor, submitted, source):
    steps = selectors.claimable(user=acceptor)
    forward, backward = walk(SOURCES[source](acceptor), size=2)
    assert forward == backward == [s.pk for s in steps]
    assert len(forward) == 5


@pytest.mark.parametrize("source", SOURCES)
def test_undated_tasks_come_last_and_are_paged_too(acceptor, submitted, source):
    Step.objects.filter(application=submitted[1]).update(due_date=None)  # e.g. calendar year missing
    Step.objects.filter(application=submitted[0]).update(due_date=None)
    steps = selectors.claimable(user=acceptor)
    ordered = [s.pk for s in steps]
    assert [s.due_date for s in steps][-2:] == [None, None]
    for size in (1, 2, 3, 4):
        assert walk(SOURCES[source](acceptor), size=size) == (ordered, ordered)


def as_values(rows):
    return [tuple(getattr(row, name) for name in selectors.QueueRow.__slots__) for row in rows]


def test_a_compiled_queue_reads_what_its_queryset_reads(applicant, applicant2, acceptor, reviewer, submitted):
    """Every kind of queue (a role's, an agency's, an inbox, none) and filter, page after page."""
    for application in submitted[:2]:  # two supplement tasks in the applicant's queue
        step = Step.objects.get(application=application, node="accept")
        services.task_complete(task_id=step.task_id, by=acceptor, outcome="supplement",
                               data={"deficiencies": [{"description": "缺少人员证明"}]})
    services.task_claim(task_id=Step.objects.get(application=submitted[2], node="accept").task_id, by=acceptor)
    Step.objects.filter(application=submitted[3]).update(due_date=None)
    cases = [(user, scope, due) for user in (acceptor, applicant, applicant2, reviewer)
             for scope in ("queue", "inbox") for due in (None, "overdue", "due_soon")]
    seen = 0
    with at(date(2026, 3, 12)):
        for user, scope, due in cases:
            reference = selectors.queue_rows((selectors.inbox if scope == "inbox" else selectors.claimable)(
                user=user, due=due), holder=scope == "inbox")
            compiled = selectors.Queue.of(user=user, scope=scope, due=due)
            for size in (1, 2, 20):
                expected, page = selectors.queue_page(reference, size=size), selectors.queue_page(compiled, size=size)
                assert as_values(page) == as_values(expected), (user, scope, due, size)
                while expected.has_next:
                    expected = selectors.queue_page(reference, after=expected.next_cursor, size=size)
                    page = selectors.queue_page(compiled, after=page.next_cursor, size=size)
                    assert as_values(page) == as_values(expected), (user, scope, due, size)
                    seen += len(page)
                assert (page.next_cursor, page.previous_cursor) == (expected.next_cursor, expected.previous_cursor)
                if page.has_previous:
                    back = selectors.queue_page(compiled, before=page.previous_cursor, size=size)
                    expected_back = selectors.queue_page(reference, before=expected.previous_cursor, size=size)
                    assert as_values(back) == as_values(expected_back)
    assert seen > 0
    with at(date(2026, 3, 12)):  # what the pages show: the applicant's two, the acceptor's claimed one
        assert [r.node for r in selectors.queue_page(selectors.Queue.of(user=applicant, scope="queue"))] == ["supplement"] * 2
        assert [r.claimed_by for r in selectors.queue_page(selectors.Queue.of(user=acceptor, scope="inbox"))] == [
            acceptor.username]
        assert selectors.queue_page(selectors.Queue.of(user=reviewer, scope="queue")).items == []
        assert [r.due_date for r in selectors.queue_page(selectors.Queue.of(user=acceptor, scope="queue",
                                                                            due="overdue"))] == [date(2026, 3, 11)]


def test_a_user_with_no_task_role_reads_nothing(db, applicant, submitted, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from approvals.models import User

    nobody = User.objects.create_user("nobody", password="x-Long-enough-9")
    for user in (nobody, AnonymousUser()):
        queue = selectors.Queue.of(user=user, scope="queue")
        with django_assert_num_queries(0):
            assert selectors.queue_page(queue).items == []


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
