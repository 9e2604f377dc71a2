"""The bulk path writes what the real flow would: recomputing the facts from its records gives its facts."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals.models import Application
from demo.bulk import Bulk
from metrics.history import facts_values
from metrics.models import ApplicationFacts, DailyFacts
from metrics.rollups import rollups_rebuild
from tests.metrics.test_rollups import snapshot

pytestmark = pytest.mark.django_db
COMPARED = [f.attname for f in ApplicationFacts._meta.fields if f.attname not in ("application_id", "computed_at")]


def test_bulk_facts_are_what_the_records_recompute_to(applicant, acceptor):
    report = Bulk(seed=5, agencies=3).run(count=120, since=date(2020, 3, 2), until=date(2026, 5, 29),
                                          commitment=0.25, batch=40)
    assert report.created == 120 == ApplicationFacts.objects.count() == Application.objects.count()
    assert set(report.outcomes) >= {"certified", "refused"}
    facts = {f.application_id: f for f in ApplicationFacts.objects.all()}
    tracks = {f.track for f in facts.values()}
    rule_sets = {f.rule_set.code for f in facts.values()}
    assert tracks == {"ordinary", "commitment"} and rule_sets == {"national-2015", "national-2021"}
    assert any(f.documents_reused for f in facts.values()) and any(f.rework_loops for f in facts.values())
    for application in Application.objects.select_related("rule_set"):
        recomputed = facts_values(application)
        stored = facts[application.pk]
        assert {name: recomputed[name] for name in COMPARED} == {name: getattr(stored, name) for name in COMPARED}, \
            application.pk
    # a commitment path has no review: fewer steps and less statutory time than the same path in 2015
    commitment = [f for f in facts.values() if f.track == "commitment" and f.outcome == "certified"]
    assert commitment and all(f.steps < f.steps_baseline and f.days_limit < f.days_baseline for f in commitment)
    # the roll-ups were rebuilt from these facts
    assert sum(DailyFacts.objects.values_list("n", flat=True)) == 120
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept


def test_the_command_reports_and_refuses_bad_input(applicant, acceptor):
    out = StringIO()
    call_command("bulk_applications", "--count", "20", "--since", "2025-01-02", "--until", "2025-06-30", stdout=out)
    assert "wrote 20 ended applications" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("bulk_applications", "--since", "2025-02-30")
    with pytest.raises(CommandError):
        call_command("bulk_applications", "--since", "2025-06-30", "--until", "2025-01-01")
