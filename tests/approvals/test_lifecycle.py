"""The FSM refuses illegal transitions; the status cannot be assigned directly; every change is audited."""

import pytest
from django.db import transaction
from django_fsm import TransitionNotAllowed

from approvals import services
from approvals.exceptions import TransitionRefused
from approvals.models import Application, ApplicationStatus, StatusChange
from approvals.models.applications import FINAL_STATES, OPEN_STATES

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def test_status_cannot_be_assigned_directly(draft):
    with pytest.raises(AttributeError):
        draft.status = S.CERTIFIED


@pytest.mark.parametrize("name", ["accept", "request_supplement", "refuse", "pass_review", "approve", "certify", "deny"])
def test_a_draft_cannot_skip_ahead(draft, name):
    with pytest.raises(TransitionNotAllowed):
        getattr(draft, name)()


def test_services_refuse_illegal_transitions_and_write_nothing(draft, applicant, issuer):
    with pytest.raises(TransitionRefused), transaction.atomic():
        services.certificate_issue(application=draft, by=issuer)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and not StatusChange.objects.exists()


def test_submit_condition_needs_scope_and_declaration(applicant):
    from tests.factories import ApplicationFactory

    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=0, declaration=False)
    assert not app.is_complete_for_submission()
    with pytest.raises(Exception) as error:
        services.application_submit(application=app, by=applicant)
    assert set(error.value.message_dict) == {"declaration", "scope"}


def test_withdraw_allowed_from_every_open_state_before_the_decision():
    transitions = {t.source: t.target for t in Application._meta.get_field("status").get_all_transitions(Application)
                   if t.name == "withdraw"}
    assert set(transitions) == set(OPEN_STATES) - {S.APPROVED, S.PARTIALLY_APPROVED}
    assert all(target == S.WITHDRAWN for target in transitions.values())


def test_final_states_have_no_way_out_but_the_commitment_tracks_verification():
    transitions = Application._meta.get_field("status").get_all_transitions(Application)
    out_of_final = {(t.source, t.name) for t in transitions if t.source in FINAL_STATES}
    # A certificate issued on a commitment is verified afterwards (核查): true, or revoked.
    assert out_of_final == {(S.CERTIFIED, "confirm_commitment"), (S.CERTIFIED, "revoke_false_commitment")}


def test_concurrent_status_change_is_refused(draft, applicant):
    stale = Application.objects.get(pk=draft.pk)
    services.application_withdraw(application=draft, by=applicant)
    with pytest.raises(TransitionRefused), transaction.atomic():
        services.application_withdraw(application=stale, by=applicant)
    assert StatusChange.objects.filter(application=draft).count() == 1


@pytest.mark.parametrize("fields", [None, ["status"]])
def test_a_refreshed_application_saves_against_what_it_refreshed(draft, applicant, fields):
    kept = Application.objects.get(pk=draft.pk)  # read whole: saves what changed, guarded by its status
    services.application_withdraw(application=Application.objects.get(pk=draft.pk), by=applicant)
    kept.refresh_from_db(fields=fields)
    assert kept.status == S.WITHDRAWN
    assert kept.changed_fields() == ["changes", "updated"]  # nothing stale counts as changed


def test_approving_the_whole_scope_approves_every_item_and_clears_any_reason(draft, applicant, acceptor, reviewer,
                                                                           approver, django_capture_on_commit_callbacks):
    from tests.factories import ApplicationFactory
    from tests.workflows.helpers import complete, to_decision

    other = ApplicationFactory(agency=applicant.agency, created_by=applicant)  # its items stay undecided
    with django_capture_on_commit_callbacks(execute=False):
        to_decision(draft, applicant, acceptor, reviewer)
        draft.scope_items.filter(seq=1).update(approved=False, refusal_reason="未决")  # as a page left it
        complete(draft, "decide", approver, "approve", comment="符合条件")
    assert set(other.scope_items.values_list("approved", flat=True)) == {None}
    assert list(draft.scope_items.order_by("seq").values_list("approved", "refusal_reason")) == [(True, "")] * 3
    assert Application.objects.get(pk=draft.pk).status == S.APPROVED


def test_the_record_names_each_status_in_chinese_whatever_language_is_active():
    from django.utils import translation

    from approvals.services.lifecycle import _label

    _label.cache_clear()
    for language in ("en", "zh-hans", "en"):  # the first call in English fills the memo
        with translation.override(language):
            for status in S:
                with translation.override("zh-hans"):
                    chinese = str(status.label)
                assert _label(status.value) == _label(status) == chinese, (language, status)
    with translation.override("en"):
        assert str(S.APPROVED.label) != _label(S.APPROVED) == "准予许可，待发证"


def test_django_fsms_guard_still_takes_the_status_found_once(draft, applicant):
    """``Application.state_fields`` is django-fsm's list, found once per class: a plain ``save()`` of a
    stale copy is still refused by django-fsm's own guard, a fresh one is not."""
    from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin

    stale = Application.objects.get(pk=draft.pk)
    assert list(stale.state_fields) == list(ConcurrentTransitionMixin.state_fields.fget(stale))
    services.application_withdraw(application=draft, by=applicant)
    stale.test_sites = "stale"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    fresh = Application.objects.get(pk=draft.pk)
    fresh.test_sites = "fresh"
    fresh.save()
    assert Application.objects.get(pk=draft.pk).test_sites == "fresh"


def test_a_status_change_and_its_row_are_one_statement_written_only_if_the_change_took(draft, applicant):
    """On PostgreSQL the guarded UPDATE and the status change's row go in one statement: the row is
    the one Django would insert (its id set on it), and a stale copy writes neither."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from prepared import readable

    read, stale = Application.objects.get(pk=draft.pk), Application.objects.get(pk=draft.pk)
    with CaptureQueriesContext(connection) as captured:
        change = services.application_withdraw(application=read, by=applicant, reason="不再申请").status_changes.get()
    sent = [readable(q["sql"]) for q in captured.captured_queries
            if readable(q["sql"]).startswith(('INSERT INTO "approvals_', 'UPDATE "approvals_', "WITH changed"))]
    together = connection.vendor == "postgresql"
    assert len(sent) == (1 if together else 2) and ('UPDATE "approvals_application"' in sent[0]), sent
    row = StatusChange.objects.values().get(pk=change.pk)
    assert {key: row[key] for key in ("application_id", "transition", "source", "target", "by_id", "comment")} == {
        "application_id": draft.pk, "transition": "withdraw", "source": S.DRAFT, "target": S.WITHDRAWN,
        "by_id": applicant.pk, "comment": "不再申请"}

    with pytest.raises(TransitionRefused), transaction.atomic():
        services.application_withdraw(application=stale, by=applicant, reason="再次撤回")
    assert StatusChange.objects.filter(application=draft).count() == 1
    assert Application.objects.get(pk=draft.pk).status == S.WITHDRAWN
