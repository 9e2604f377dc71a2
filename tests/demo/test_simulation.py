"""simulate_applications: a believable province, driven through the real flow, the same for the same seed."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from approvals.models import Application, StatusChange
from demo.simulation import Province
from metrics.models import ApplicationFacts
from workflows.models import Step

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 18, tzinfo=ZoneInfo("Asia/Shanghai"))


def signature() -> list[tuple]:
    return list(Application.objects.order_by("submitted_at", "pk").values_list(
        "submitted_at", "status", "application_type"))


def run(seed: int, count: int = 30, django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        return Province(seed=seed, agencies=6).run(count=count, since=date(2025, 7, 1), until=NOW)


def test_a_simulated_province_goes_through_the_real_flow(django_capture_on_commit_callbacks):
    report = run(11, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert report.created == 30 == Application.objects.count()
    ended = sum(report.outcomes.values())
    assert ended + sum(report.open_steps.values()) == 30
    assert len(report.outcomes) >= 3  # varied outcomes, not one happy path
    # Every status change is audited at the simulated time, on a working day, never after "now".
    changes = StatusChange.objects.all()
    assert changes.count() > 100 and all(c.at <= NOW for c in changes)
    assert Step.objects.filter(node="supplement").exists() and Step.objects.filter(node="rectification").exists()
    # The flow scheduled facts for every ended application; they obey the arithmetic.
    facts = list(ApplicationFacts.objects.all())
    assert len(facts) == ended
    for f in facts:
        assert f.days_elapsed == f.days_counted + f.days_stopped
        assert f.rework_loops <= f.supplement_rounds + f.rectification_rounds
    assert any(not f.on_time for f in facts) and any(f.on_time for f in facts)  # some officials late
    # Agencies upload what the catalogue asks for, and reuse what they supplied before.
    assert any(f.documents_reused for f in facts) and any(f.documents_uploaded for f in facts)
    # Some applications are still open today, some of them with steps already overdue.
    assert report.open_steps


def test_the_same_seed_gives_the_same_province(django_capture_on_commit_callbacks):
    signatures = []
    for _ in range(2):
        with transaction.atomic():
            run(5, count=12, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
            signatures.append(signature())
            transaction.set_rollback(True)
    assert signatures[0] == signatures[1] and len(signatures[0]) == 12
    with transaction.atomic():
        run(6, count=12, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
        assert signature() != signatures[0]
        transaction.set_rollback(True)


def test_the_command_reports_what_it_did(django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("simulate_applications", "--count", "5", "--seed", "3", "--since", "2026-01-05", stdout=out)
    assert "simulated 5 applications since 2026-01-05" in out.getvalue()


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("simulate_applications", "--since", "2026-02-30")
