"""The audit record: every event chained by SHA-256, checked by ``manage.py verify_audit``."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from approvals.exceptions import TransitionRefused
from approvals.models import RuleSet
from approvals.services import lifecycle
from audit.models import AuditEntry, AuditHead
from audit.services import audit_record, audit_verify
from documents import selectors as document_selectors
from documents.services import document_remove, document_upload
from tests.documents.factories import pdf_bytes, upload
from tests.workflows.helpers import complete, to_decision
from workflows import services as workflow_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(draft, applicant, acceptor, reviewer, approver, issuer):
    requirement = next(r for r in document_selectors.requirements_for(draft) if not r.via_data_sharing)
    extra = document_upload(application=draft, by=applicant, requirement=requirement.code,
                            file=upload(pdf_bytes(2), "补充.pdf"))
    document_remove(document=extra, by=applicant)
    to_decision(draft, applicant, acceptor, reviewer)
    complete(draft, "decide", approver, "approve", comment="符合条件")
    complete(draft, "issue", issuer, "issue")
    return draft


def _tamper(sql: str, params: list) -> None:
    """What someone with the table owner's rights could do: switch the trigger off and change the log."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def test_one_lifecycle_leaves_a_complete_chain_of_its_events(certified):
    actions = list(AuditEntry.objects.for_application(certified.pk).values_list("action", "actor_name"))
    assert actions == [
        ("document.upload", "applicant"),
        ("document.remove", "applicant"),
        ("application.submit", "applicant"),
        ("application.accept", "acceptor"),
        ("application.pass_review", "reviewer"),
        ("application.approve", "approver"),
        ("decision", "approver"),
        ("application.certify", "issuer"),
        ("certificate.issue", "issuer"),
        ("certificate.sign", ""),  # signed by the system when the PDF is rendered
    ]
    decision = AuditEntry.objects.get(application_id=certified.pk, action="decision")
    assert decision.data["decision"] == "approved" and decision.data["reason"] == "符合条件"
    assert [item["approved"] for item in decision.data["scope"]] == [True, True, True]
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    result = audit_verify()
    assert result.ok and result.checked == len(entries)


def test_verify_audit_passes_and_says_how_many_rows(certified, capsys):
    call_command("verify_audit")
    assert f"{AuditEntry.objects.count()} rows verified" in capsys.readouterr().out


def test_an_altered_row_fails_verification_and_is_named(certified):
    target = AuditEntry.objects.get(application_id=certified.pk, action="decision")
    _tamper("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["篡改", target.pk])
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert f"row #{target.seq} (id {target.pk})" in str(failure.value)
    assert "content does not match" in str(failure.value)


def test_an_altered_payload_is_caught_even_with_the_same_summary(certified):
    target = AuditEntry.objects.get(application_id=certified.pk, action="application.approve")
    data = {**target.data, "comment": "另一理由"}
    _tamper("UPDATE audit_auditentry SET data = %s WHERE id = %s", [json.dumps(data, ensure_ascii=False), target.pk])
    result = audit_verify()
    assert not result.ok and result.bad_seq == target.seq


def test_a_row_recomputed_after_alteration_still_breaks_the_next_link(certified):
    target = AuditEntry.objects.get(application_id=certified.pk, action="application.accept")
    target.summary = "伪造"
    forged_hash = target.compute_hash()
    _tamper("UPDATE audit_auditentry SET summary = %s, hash = %s WHERE id = %s", ["伪造", forged_hash, target.pk])
    result = audit_verify()
    assert result.bad_seq == target.seq + 1 and "predecessor" in result.reason


def test_a_removed_row_and_a_removed_tail_are_both_caught(certified):
    middle = AuditEntry.objects.get(application_id=certified.pk, action="application.accept")
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [middle.pk])
    assert audit_verify().bad_seq == middle.seq + 1


def test_a_removed_tail_is_caught_by_the_head(certified):
    last = AuditEntry.objects.order_by("-seq").first()
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    result = audit_verify()
    assert not result.ok and result.bad_seq == last.seq and "head" in result.reason


def test_a_refused_transition_leaves_no_audit_row(draft, applicant, acceptor):
    workflow_services.application_submit(application=draft, by=applicant)
    before = AuditEntry.objects.count()
    with pytest.raises(TransitionRefused), transaction.atomic():
        lifecycle.decision_approve(application=draft, by=acceptor)
    assert AuditEntry.objects.count() == before
    assert audit_verify().ok


def test_the_chain_continues_after_the_head_row_is_lost(db):
    audit_record(action="test.one")
    AuditHead.objects.all().delete()
    audit_record(action="test.two")
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1, 2]
    assert audit_verify().ok


def test_a_batch_appends_its_events_together_at_its_end_in_order(db):
    from audit import batch

    audit_record(action="test.before")
    with transaction.atomic(), batch():
        first = audit_record(action="test.one", data={"n": 1})
        with batch():  # nested: joins the outer batch
            audit_record(action="test.two", data={"n": 2})
        assert AuditEntry.objects.count() == 1 and first.seq is None  # nothing written yet
        audit_record(action="test.three", data={"n": 3})
    assert list(AuditEntry.objects.values_list("seq", "action")) == [
        (1, "test.before"), (2, "test.one"), (3, "test.two"), (4, "test.three")]
    assert first.seq == 2 and AuditHead.objects.get().seq == 4
    assert audit_verify().ok and audit_verify().checked == 4


def test_a_batch_that_fails_writes_nothing(db):
    from audit import batch

    with pytest.raises(RuntimeError), transaction.atomic(), batch():
        audit_record(action="test.lost")
        raise RuntimeError
    audit_record(action="test.after")
    assert list(AuditEntry.objects.values_list("seq", "action")) == [(1, "test.after")]
    assert audit_verify().ok


def test_an_admin_change_to_a_rule_set_is_recorded_with_the_changed_fields(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    rule_set = RuleSet.objects.create(
        code="gz-2026", name="贵州 2026", effective_from="2026-12-01", acceptance_days=5, review_days=30,
        rectification_days=30, decision_days=10, issue_days=7,
    )
    form = {f: getattr(rule_set, f) for f in ("code", "name", "effective_from", "acceptance_days", "review_days",
                                              "rectification_days", "decision_days", "issue_days", "supplement_days",
                                              "fee_yuan", "procedures", "in_person_visits",
                                              "renewal_closes_months", "renewal_opens_months", "verification_months",
                                              "false_commitment_bar_years")}
    form.update(decision_days=8, expected_steps="[]", change_kinds_reviewed="[]", commitment_types="[]",
                commitment_excluded_fields="[]", renewal_from_expiry="on")
    response = client.post(f"/admin/approvals/ruleset/{rule_set.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="admin.change", object_type="approvals.ruleset")
    assert entry.object_id == str(rule_set.pk) and entry.actor_name == "root"
    assert entry.data["changed"]["decision_days"] == 8 and "name" not in entry.data["changed"]
    assert audit_verify().ok
