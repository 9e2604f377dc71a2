"""The flow reaches the apps above it through one hook, called once an application has ended."""

import pytest

from tests.factories import ApplicationFactory
from tests.metrics.conftest import act, at, submit

pytestmark = pytest.mark.django_db
CALLS: list[tuple[int, str]] = []


def record(*, application) -> None:
    CALLS.append((application.pk, application.status))


def test_the_hooks_named_in_settings_run_when_an_application_ends_and_only_then(settings, applicant, acceptor, reviewer):
    settings.CMA_APPLICATION_ENDED_HOOKS = ["tests.workflows.test_hooks.record"]
    CALLS.clear()
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    submit(application, applicant, at(2025, 11, 3))
    act(application, "accept", acceptor, "accept", at(2025, 11, 4))
    assert CALLS == []  # still open
    act(application, "review", reviewer, "fail", at(2025, 11, 10), review_mode="written", comment="不符合")
    assert CALLS == []  # review failed: the decision is still to come
    refused = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    submit(refused, applicant, at(2025, 11, 3))
    act(refused, "accept", acceptor, "refuse", at(2025, 11, 5), comment="不属于本机关职权范围")
    assert CALLS == [(refused.pk, "refused")]
