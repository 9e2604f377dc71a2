import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from approvals.models import Application, User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_every_role_and_applications_in_several_states(settings):
    settings.DEMO_PASSWORD = "another-demo-pass"
    call_command("seed_demo")
    for username in ("applicant", "applicant2", "acceptor", "reviewer", "approver", "issuer", "monitor", "admin"):
        assert authenticate(username=username, password="another-demo-pass") is not None, username
    assert User.objects.get(username="applicant").agency_id != User.objects.get(username="applicant2").agency_id
    states = set(Application.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "supplement_requested", "accepted", "rectification", "review_passed",
            "certified", "refused"} <= states
    assert User.objects.get(username="acceptor").has_perm("approvals.accept_application")
    assert not User.objects.get(username="acceptor").has_perm("approvals.decide_application")

    call_command("seed_demo")  # idempotent
    assert User.objects.filter(username="applicant").count() == 1


def test_verify_audit_passes_on_the_demo_data(capsys):
    from audit.models import AuditEntry

    call_command("seed_demo")
    assert AuditEntry.objects.filter(action="application.submit").count() >= 20  # the simulated province
    call_command("verify_audit")
    assert f"{AuditEntry.objects.count()} rows verified" in capsys.readouterr().out
