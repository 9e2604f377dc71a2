"""A commitment-track application through the real flow: no technical review, and its facts say so as
a step and a time reduction — before and after its post-verification, which is not a licensing step."""

from datetime import date

import pytest

from metrics.models import ApplicationFacts
from metrics.selectors import application_reductions
from metrics.services import facts_record
from tests.api.test_procedures_api import commitment_certificate, officials, work  # noqa: F401  (a fixture)
from tests.timecontrol import at

pytestmark = pytest.mark.django_db


def test_the_commitment_track_reads_as_fewer_steps_and_less_time(api, applicant, officials):  # noqa: F811
    application, _certificate = commitment_certificate(api, applicant, officials)
    facts = facts_record(application_id=application.pk)
    assert facts.track == "commitment" and facts.outcome == "certified" and facts.review_days is None
    # apply, accept, decide, issue against the 2015 path to the same point: apply, accept, review, decide, issue
    assert (facts.steps, facts.steps_baseline) == (4, 5)
    # statutory: 5 + 10 + 7 now; 5 + 45 + 20 + 10 on the 2015 path
    assert (facts.days_limit, facts.days_baseline) == (22, 80)
    figures = application_reductions(facts)
    assert figures["steps"]["reduction_pct"] == 20.0 and figures["time"]["reduction_pct"] == 72.5
    ended = facts.ended_on

    with at(date(2026, 7, 1)):
        work(api, officials, application.pk, ("reviewer", "confirm", {"comment": "现场核查与承诺一致"}))
    application.refresh_from_db()
    assert application.status == "verified"
    after = facts_record(application_id=application.pk)
    # the post-verification a month later is supervision: the same steps, time and end of the procedure
    assert after.outcome == "verified" and (after.steps, after.steps_baseline, after.days_limit) == (4, 5, 22)
    assert after.ended_on == ended and after.days_elapsed == after.days_counted + after.days_stopped
    assert ApplicationFacts.objects.count() == 1
