"""Facts are computed when the flow ends an application — after commit, idempotently — and recomputable."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from approvals.exceptions import RuleSetInUse
from metrics.models import ApplicationFacts
from metrics.services import facts_record
from tests.factories import ApplicationFactory
from workflows import services

from .conftest import act, at, submit

pytestmark = pytest.mark.django_db


def test_the_flow_schedules_the_facts_when_an_application_ends(applicant, acceptor, django_capture_on_commit_callbacks):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        submit(application, applicant, at(2025, 11, 3))
    assert not ApplicationFacts.objects.exists()  # not ended: nothing to compute
    with django_capture_on_commit_callbacks(execute=True):
        act(application, "accept", acceptor, "refuse", at(2025, 11, 5), comment="不属于本机关职权范围")
    facts = ApplicationFacts.objects.get(application=application)
    assert facts.outcome == "refused" and facts.days_counted == 2


def test_a_withdrawal_schedules_them_too(applicant, acceptor, django_capture_on_commit_callbacks):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    submit(application, applicant, at(2025, 12, 1))
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(at(2025, 12, 4), tick=False):
        services.application_withdraw(application=application, by=applicant, reason="暂缓")
    facts = ApplicationFacts.objects.get(application=application)
    assert facts.outcome == "withdrawn" and facts.accept_days == 3 and facts.steps == 1


def test_recording_twice_rewrites_the_one_row(histories):
    a = histories["A"]
    first = ApplicationFacts.objects.get(application=a)
    again = facts_record(application_id=a.pk)
    assert ApplicationFacts.objects.filter(application=a).count() == 1
    assert again.days_counted == first.days_counted and again.computed_at >= first.computed_at


def test_an_open_application_has_no_facts(applicant):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    assert facts_record(application_id=application.pk) is None
    submit(application, applicant, at(2025, 9, 1))
    assert facts_record(application_id=application.pk) is None


def test_a_rule_set_edit_cannot_change_past_figures(histories):
    first = ApplicationFacts.objects.get(application=histories["A"])
    rule_set = histories["A"].rule_set
    rule_set.review_days = 10  # e.g. an administrator "corrects" a limit
    with pytest.raises(RuleSetInUse):
        rule_set.save()
    out = StringIO()
    call_command("recompute_facts", stdout=out)
    assert "facts written: 4; failed: 0" in out.getvalue()
    again = ApplicationFacts.objects.get(application=histories["A"])
    assert (again.days_limit, again.review_late, again.on_time) == (first.days_limit, first.review_late, first.on_time)


def test_the_command_fills_in_only_missing_facts(histories):
    ApplicationFacts.objects.filter(application=histories["C"]).delete()
    out = StringIO()
    call_command("recompute_facts", "--missing", stdout=out)
    assert "facts written: 1; failed: 0" in out.getvalue()
    assert ApplicationFacts.objects.count() == 4
