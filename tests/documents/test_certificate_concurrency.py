"""Two officials decide on the same certificate at the same moment, on two real PostgreSQL
connections: the row lock makes them one after the other, so exactly one decision is recorded and the
other is refused with the status the first one left."""

import pytest
from django.db import connection

from approvals.exceptions import TransitionRefused
from approvals.models import Certificate, CertificateAction
from documents import certificates as register
from documents.models import RenderedDocument
from tests.factories import UserFactory
from tests.workflows.test_concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("second", ["suspend", "revoke"])
def test_two_decisions_at_once_exactly_one_is_recorded(certified, second):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real connections and row locks")
    certificate = certified.certificate
    first_official, second_official = UserFactory(role="approver"), UserFactory(role="approver")
    results = run_at_once(
        lambda: register.certificate_decide(certificate=Certificate.objects.get(pk=certificate.pk), by=first_official,
                                            kind="suspend", reason="甲：监督抽查不合格"),
        lambda: register.certificate_decide(certificate=Certificate.objects.get(pk=certificate.pk), by=second_official,
                                            kind=second, reason="乙"),
    )
    outcomes = sorted(kind for kind, _ in results)
    actions = list(CertificateAction.objects.filter(certificate=certificate))
    if second == "suspend":  # the same decision twice: the second finds it already suspended
        assert outcomes == ["error", "ok"], results
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, TransitionRefused) and error.current_status == "suspended"
        assert len(actions) == 1 and Certificate.objects.get(pk=certificate.pk).status == "suspended"
    elif outcomes == ["ok", "ok"]:  # suspend first, then revoke (allowed from suspended): one after the other
        assert [(a.seq, a.kind, a.source, a.target) for a in actions] == [
            (1, "suspend", "valid", "suspended"), (2, "revoke", "suspended", "revoked")]
    else:  # revoke first: revocation is final, the suspension is refused
        assert outcomes == ["error", "ok"], results
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, TransitionRefused) and error.current_status == "revoked"
        assert [(a.kind, a.source, a.target) for a in actions] == [("revoke", "valid", "revoked")]
    assert RenderedDocument.objects.filter(action__certificate=certificate).count() == len(actions)
