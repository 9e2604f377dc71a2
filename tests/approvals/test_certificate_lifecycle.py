"""The certificate's lifecycle in the domain: immutable versions, and the status decisions (暂停, 恢复,
撤销, 注销) with their reasons, dates and record. No HTTP here."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from approvals import services
from approvals.exceptions import TransitionRefused
from approvals.models import (
    ApplicationType,
    Certificate,
    CertificateAction,
    CertificateStatus,
    CertificateVersion,
    ImmutableRecord,
)
from tests.factories import ApplicationFactory
from tests.timecontrol import at
from tests.workflows.helpers import complete, to_decision

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 3, 2)


@pytest.fixture
def certificate(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    with at(ISSUED), django_capture_on_commit_callbacks(execute=False):
        to_decision(draft, applicant, acceptor, reviewer)
        complete(draft, "decide", approver, "approve", comment="符合条件")
        complete(draft, "issue", issuer, "issue")
    return Certificate.objects.get(application=draft)


def change_application(certificate, kind=ApplicationType.CHANGE):
    return ApplicationFactory(agency=certificate.agency, application_type=kind, scope=0, documents=False)


def test_issue_writes_version_one_from_the_approved_application(certificate, draft):
    version = certificate.current
    assert (version.version, version.number, version.application_id) == (1, certificate.number, draft.pk)
    assert version.issued_on == ISSUED and version.expires_on == date(2032, 3, 1)
    assert [item["item"] for item in version.scope] == ["食品检测项目1", "食品检测项目2", "食品检测项目3"]
    assert certificate.agency_name == version.agency_name and certificate.expires_on == version.expires_on


def test_the_version_scope_is_each_approved_item_in_order_with_its_fields_in_order(certificate, draft):
    from approvals.services.certificates import _approved_scope
    from approvals.services.drafts import SCOPE_FIELDS

    draft.scope_items.filter(seq=2).update(approved=False)
    as_items = [{name: getattr(item, name) for name in ("seq", *SCOPE_FIELDS)}
                for item in draft.scope_items.order_by("seq") if item.approved]
    scope = _approved_scope(draft)
    assert scope == as_items and [row["seq"] for row in scope] == [1, 3]
    assert [list(row) for row in scope] == [["seq", *SCOPE_FIELDS]] * 2  # the order the signed payload lists them in
    assert certificate.current.scope[0] == {**as_items[0]}


def test_issue_writes_the_rows_a_save_would_and_no_save_signal_is_missed(certificate, draft, issuer):
    from django.db.models import signals

    # certificate_issue writes both rows with writebehind's statements, which send no save signals
    for model in (Certificate, CertificateVersion):
        for signal in (signals.pre_save, signals.post_save):
            assert not signal.has_listeners(model), (model, signal)
    row = Certificate.objects.values().get(pk=certificate.pk)
    assert row == {"id": certificate.pk, "number": certificate.number, "application_id": draft.pk,
                   "agency_id": draft.agency_id, "status": CertificateStatus.VALID, "status_since": None,
                   "current_id": certificate.current.pk, "issued_by_id": issuer.pk}
    version = certificate.current
    assert (version.certificate_id, version.issued_by_id, version.created is not None) == (certificate.pk, issuer.pk, True)


def test_content_is_never_edited_in_place(certificate):
    version = certificate.current
    version.agency_name = "改名"
    with pytest.raises(ImmutableRecord):
        version.save()
    with pytest.raises(ImmutableRecord):
        version.delete()
    with pytest.raises(AttributeError):
        certificate.agency_name = "改名"  # the certificate has no content of its own


def test_a_change_is_a_new_version_with_the_same_number_and_expiry(certificate, approver):
    change = change_application(certificate)
    with at(date(2027, 5, 10)):
        version = services.certificate_new_version(
            certificate=certificate, application=change, by=approver,
            header={"agency_name": "贵州新名称检测有限公司", "address": "贵阳市新地址8号"})
    certificate.refresh_from_db()
    assert certificate.current_id == version.pk and version.version == 2
    assert (version.number, version.expires_on) == (certificate.number, date(2032, 3, 1))
    assert version.issued_on == date(2027, 5, 10) and version.agency_name == "贵州新名称检测有限公司"
    first = certificate.versions.get(version=1)
    assert first.agency_name != version.agency_name and first.scope == version.scope  # the old one is untouched


def test_an_extension_replaces_the_annex_and_a_renewal_may_take_a_new_number(certificate, approver):
    old_number = certificate.number
    extension = change_application(certificate, ApplicationType.EXTENSION)
    scope = [*certificate.scope, {"category": "环境", "item": "水质", "parameter": "pH", "standard": "HJ 1147-2020"}]
    with at(date(2027, 5, 10)):
        v2 = services.certificate_new_version(certificate=certificate, application=extension, by=approver, scope=scope)
    assert [item["seq"] for item in v2.scope] == [1, 2, 3, 4] and v2.scope[3]["limitation"] == ""
    renewal = change_application(certificate, ApplicationType.RENEWAL)
    with at(date(2032, 1, 5)):
        v3 = services.certificate_new_version(certificate=certificate, application=renewal, by=approver,
                                              expires_on=date(2038, 3, 1), new_number=True)
    certificate.refresh_from_db()
    assert v3.number != old_number and certificate.number == v3.number and v3.number.startswith("3224")
    assert v3.expires_on == date(2038, 3, 1) and v3.scope == v2.scope
    assert list(certificate.versions.values_list("number", flat=True)) == [old_number, old_number, v3.number]


@pytest.mark.parametrize("kwargs,field", [
    ({"header": {"number": "999"}}, "header"),
    ({"header": {"agency_name": "  "}}, "header"),
    ({"scope": []}, "scope"),
    ({"scope": [{"category": "食品", "item": "", "standard": ""}]}, "scope"),
    ({"expires_on": date(2020, 1, 1)}, "expires_on"),
])
def test_a_bad_new_version_is_refused_and_writes_nothing(certificate, approver, kwargs, field):
    with pytest.raises(ValidationError) as error, transaction.atomic():
        services.certificate_new_version(certificate=certificate, application=change_application(certificate),
                                         by=approver, **kwargs)
    assert field in error.value.message_dict
    assert CertificateVersion.objects.count() == 1


def test_another_agencys_application_makes_no_version(certificate, approver):
    other = ApplicationFactory(scope=0, documents=False)
    with pytest.raises(ValidationError), transaction.atomic():
        services.certificate_new_version(certificate=certificate, application=other, by=approver)


def test_suspend_restore_revoke_are_recorded_with_reason_and_date(certificate, approver):
    with at(date(2027, 6, 1)):
        suspended = services.certificate_suspend(certificate=certificate, by=approver, reason="监督抽查不合格",
                                                 on=date(2027, 5, 30))
        assert certificate.status_on(date(2027, 6, 1)) == CertificateStatus.SUSPENDED
        restored = services.certificate_restore(certificate=certificate, by=approver, reason="整改完成")
        revoked = services.certificate_revoke(certificate=certificate, by=approver, reason="以欺骗手段取得")
    rows = list(CertificateAction.objects.filter(certificate=certificate).values_list(
        "seq", "kind", "source", "target", "reason", "effective_on", "by"))
    assert rows == [
        (1, "suspend", "valid", "suspended", "监督抽查不合格", date(2027, 5, 30), approver.pk),
        (2, "restore", "suspended", "valid", "整改完成", date(2027, 6, 1), approver.pk),
        (3, "revoke", "valid", "revoked", "以欺骗手段取得", date(2027, 6, 1), approver.pk),
    ]
    certificate.refresh_from_db()
    assert (certificate.status, certificate.status_since) == ("revoked", date(2027, 6, 1))
    assert (suspended.seq, restored.seq, revoked.seq) == (1, 2, 3)
    with pytest.raises(ImmutableRecord):
        revoked.save()


@pytest.mark.parametrize("first,then", [
    ("certificate_restore", None),  # nothing to restore
    ("certificate_revoke", "certificate_suspend"),  # revoked is final
    ("certificate_cancel", "certificate_restore"),  # cancelled is final
    ("certificate_revoke", "certificate_cancel"),
])
def test_a_decision_the_status_does_not_allow_is_refused(certificate, approver, first, then):
    with at(date(2027, 6, 1)):
        if then is None:
            with pytest.raises(TransitionRefused, match="有效"), transaction.atomic():
                getattr(services, first)(certificate=certificate, by=approver, reason="理由")
            assert not CertificateAction.objects.exists()
            return
        getattr(services, first)(certificate=certificate, by=approver, reason="理由")
        with pytest.raises(TransitionRefused) as refused, transaction.atomic():
            getattr(services, then)(certificate=certificate, by=approver, reason="理由")
    assert refused.value.current_status in ("revoked", "cancelled")
    assert CertificateAction.objects.count() == 1


def test_a_revoked_or_cancelled_certificate_gets_no_new_version(certificate, approver):
    with at(date(2027, 6, 1)):
        services.certificate_cancel(certificate=certificate, by=approver, reason="机构申请注销")
        with pytest.raises(TransitionRefused, match="注销"), transaction.atomic():
            services.certificate_new_version(certificate=certificate, application=change_application(certificate),
                                             by=approver)


@pytest.mark.parametrize("reason,on,field", [
    ("", None, "reason"), ("   ", None, "reason"), ("x" * 2001, None, "reason"),
    ("理由", date(2027, 6, 2), "on"),  # in the future
    ("理由", ISSUED - timedelta(days=1), "on"),  # before the certificate existed
])
def test_a_decision_needs_a_reason_and_a_date_it_can_take_effect(certificate, approver, reason, on, field):
    with at(date(2027, 6, 1)), pytest.raises(ValidationError) as error, transaction.atomic():
        services.certificate_suspend(certificate=certificate, by=approver, reason=reason, on=on)
    assert field in error.value.message_dict
    assert Certificate.objects.get(pk=certificate.pk).status == "valid" and not CertificateAction.objects.exists()


def test_expiry_stays_automatic_an_expired_one_is_not_suspended_but_may_be_cancelled(certificate, approver):
    after = date(2032, 3, 2)
    assert certificate.status_on(date(2032, 3, 1)) == "valid" and certificate.status_on(after) == "expired"
    with at(after):
        with pytest.raises(TransitionRefused, match="过期"), transaction.atomic():
            services.certificate_suspend(certificate=certificate, by=approver, reason="理由")
        services.certificate_cancel(certificate=certificate, by=approver, reason="有效期届满未延续")
    assert Certificate.objects.get(pk=certificate.pk).status_on(after) == "cancelled"


def test_a_stale_copy_sees_the_decision_another_official_took(certificate, approver):
    stale = Certificate.objects.get(pk=certificate.pk)
    with at(date(2027, 6, 1)):
        services.certificate_revoke(certificate=certificate, by=approver, reason="以欺骗手段取得")
        with pytest.raises(TransitionRefused), transaction.atomic():
            services.certificate_suspend(certificate=stale, by=approver, reason="监督抽查不合格")
    assert stale.status == "revoked" and CertificateAction.objects.count() == 1


def test_every_certificate_write_goes_into_the_audit_chain(certificate, approver):
    from audit.models import AuditEntry
    from audit.services import audit_verify

    with at(date(2027, 6, 1)):
        services.certificate_new_version(certificate=certificate, application=change_application(certificate),
                                         by=approver, header={"address": "贵阳市新地址8号"})
        services.certificate_suspend(certificate=certificate, by=approver, reason="监督抽查不合格")
    rows = list(AuditEntry.objects.filter(action__startswith="certificate.").order_by("seq")
                .values_list("action", "object_id", "actor_id"))
    assert [action for action, *_ in rows] == [
        "certificate.issue", "certificate.sign", "certificate.new_version", "certificate.suspend"]
    assert {object_id for _action, object_id, _actor in rows} == {str(certificate.pk)}
    suspended = AuditEntry.objects.get(action="certificate.suspend")
    assert suspended.data["reason"] == "监督抽查不合格" and suspended.data["effective_on"] == "2027-06-01"
    assert audit_verify().ok
