"""Separation of duties: one person, superuser included, takes at most one of the authority's steps of
an application; the same step again (the review after a rectification) is the same duty."""

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import UserFactory
from workflows import services

from .helpers import complete, open_step, to_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_a_superuser_who_accepted_may_not_review_decide_or_issue(draft, applicant, root, reviewer):
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", root, "accept")
    review = open_step(draft, "review")
    with pytest.raises(PermissionDenied, match="职责分离.*受理.*技术评审"):
        services.task_complete(task_id=review.task_id, by=root, outcome="pass", data={})
    complete(draft, "review", reviewer, "pass")  # another person may
    assert open_step(draft, "decide")


def test_the_same_step_again_is_the_same_duty(draft, applicant, acceptor, reviewer):
    to_review(draft, applicant, acceptor)
    complete(draft, "review", reviewer, "rectify", findings=[{"clause": "4.1", "grade": "general", "description": "x"}])
    complete(draft, "rectification", applicant, "resubmit", comment="已整改")
    complete(draft, "review", reviewer, "pass")  # the same reviewer concludes the review
    assert open_step(draft, "decide")


def test_it_can_be_turned_off_for_a_one_person_office(settings, draft, applicant, root):
    settings.CMA_SEPARATION_OF_DUTIES = False
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", root, "accept")
    complete(draft, "review", root, "pass")
    assert open_step(draft, "decide")
