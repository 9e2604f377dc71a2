"""On PostgreSQL the log refuses UPDATE and DELETE from the application's own role, and concurrent
writers on real connections queue on the chain head instead of forking the chain."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from audit.models import AuditEntry
from audit.services import audit_record, audit_verify

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the trigger and row locks are PostgreSQL's")


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditentry SET summary = 'changed' WHERE seq = 1",
    "DELETE FROM audit_auditentry WHERE seq = 1",
])
def test_the_web_role_cannot_update_or_delete_the_log(postgresql, sql):
    audit_record(action="test.event", summary="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.get(seq=1).summary == "original"


@pytest.mark.django_db
def test_the_orm_cannot_update_the_log_either(postgresql):
    audit_record(action="test.event", summary="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(summary="changed")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_do_not_fork_the_chain(postgresql):
    writers, each = 6, 15
    barrier = threading.Barrier(writers)
    errors = []

    def write(n):
        try:
            barrier.wait(timeout=10)
            for i in range(each):
                with transaction.atomic():
                    audit_record(action="test.concurrent", summary=f"{n}-{i}")
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, writers * each + 1))
    assert AuditEntry.objects.values("prev_hash").distinct().count() == writers * each  # no two rows share a parent
    result = audit_verify()
    assert result.ok and result.checked == writers * each
