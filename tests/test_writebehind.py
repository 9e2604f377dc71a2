"""Writes sent with the next statement (writebehind): same effects, fewer requests."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from approvals.models import Agency
from prepared import readable
from tests.factories import AgencyFactory, make_credit_code
from workflows.models import ApplicationProcess
from writebehind import QueuedWriteFailed, later, later_insert, later_update, write_behind

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


def _name(pk: int) -> str:
    return Agency.objects.values_list("name", flat=True).get(pk=pk)


def test_a_queued_write_is_seen_by_the_next_statement():
    agency = AgencyFactory(name="甲")
    with transaction.atomic(), write_behind():
        agency.name = "乙"
        later_update(agency, ["name"])
        assert _name(agency.pk) == "乙"  # the read ran after the write, on the server


@postgresql_only
def test_queued_writes_travel_in_one_request_with_the_next_statement():
    first, second = AgencyFactory(name="甲"), AgencyFactory(name="丙")
    with transaction.atomic(), write_behind(), CaptureQueriesContext(connection) as captured:
        first.name, second.name = "乙", "丁"
        later_update(first, ["name"])
        later_update(second, ["name"])
        assert len(captured) == 0  # nothing sent yet
        names = list(Agency.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("name", flat=True))
    assert names == ["乙", "丁"]  # the carrier's own result, not a queued write's
    carriers = [readable(q["sql"]) for q in captured.captured_queries if "agency" in readable(q["sql"])]
    assert len(carriers) == 1 and carriers[0].count(";\n") == 2


@postgresql_only
def test_a_carrier_keeps_its_row_count():
    agency = AgencyFactory(name="甲")
    with transaction.atomic(), write_behind():
        later_update(agency, ["name"])
        assert Agency.objects.filter(pk=agency.pk).update(name="乙") == 1
        assert Agency.objects.filter(pk=-1).update(name="乙") == 0


def test_what_is_still_queued_is_sent_when_the_block_ends():
    agency = AgencyFactory(name="甲")
    with transaction.atomic():
        with write_behind():
            agency.name = "乙"
            later_update(agency, ["name"])
        assert _name(agency.pk) == "乙"


def test_an_error_drops_the_queue_with_the_transaction():
    agency = AgencyFactory(name="甲")
    with pytest.raises(RuntimeError), transaction.atomic(), write_behind():
        agency.name = "乙"
        later_update(agency, ["name"])
        raise RuntimeError
    assert _name(agency.pk) == "甲"
    with transaction.atomic():  # and nothing is left to ride on a later statement
        assert _name(agency.pk) == "甲"


@postgresql_only
def test_a_failing_queued_write_is_not_caught_as_somebody_else_s_error():
    taken, agency = AgencyFactory(), AgencyFactory()
    with pytest.raises(QueuedWriteFailed) as raised, transaction.atomic(), write_behind():
        agency.credit_code = taken.credit_code  # unique: this write fails
        later_update(agency, ["credit_code"])
        try:
            with transaction.atomic():  # the SAVEPOINT does not carry the queue: it goes first, alone
                Agency.objects.filter(pk=agency.pk).update(name="x")
        except IntegrityError:
            pytest.fail("the queued write's error landed in code that catches its own")
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert Agency.objects.get(pk=agency.pk).credit_code != taken.credit_code


@postgresql_only
def test_a_failed_carrier_fails_the_block_even_when_the_code_went_on():
    taken, agency = AgencyFactory(), AgencyFactory(name="甲")
    with pytest.raises(QueuedWriteFailed), transaction.atomic(), write_behind():
        agency.credit_code = taken.credit_code
        later_update(agency, ["credit_code"])
        try:
            Agency.objects.filter(pk=agency.pk).update(name="乙")  # carries the failing write
        except IntegrityError:
            pass  # code that expected its own statement might fail, and goes on
    assert _name(agency.pk) == "甲"


@postgresql_only
def test_inside_a_savepoint_opened_since_the_queue_is_sent_alone():
    agency = AgencyFactory(name="甲")
    with transaction.atomic(), write_behind():
        with transaction.atomic():
            agency.name = "乙"
            later_update(agency, ["name"])
            with CaptureQueriesContext(connection) as captured:
                assert _name(agency.pk) == "乙"
    assert [readable(q["sql"]).count(";\n") for q in captured.captured_queries] == [0, 0]  # the write, then the read


def test_outside_a_block_a_write_runs_at_once():
    agency = AgencyFactory(name="甲")
    agency.name = "乙"
    later_update(agency, ["name"])
    assert _name(agency.pk) == "乙"
    later("UPDATE approvals_agency SET name = %s WHERE id = %s", ["丙", agency.pk])
    assert _name(agency.pk) == "丙"


def test_an_insert_writes_every_column_and_leaves_the_id_unread():
    agency = Agency(name="新机构", credit_code=make_credit_code(987_654), address="贵阳",
                    legal_representative="甲", contact_name="乙", contact_phone="1")
    with transaction.atomic(), write_behind():
        later_insert(agency)
        assert agency.pk is None
        stored = Agency.objects.get(name="新机构")
    assert (stored.address, stored.legal_representative) == ("贵阳", "甲")


def test_an_update_of_a_parent_s_fields_goes_to_the_parent_s_table(applicant):
    from tests.factories import ApplicationFactory
    from workflows import services

    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    services.application_submit(application=application, by=applicant)
    process = ApplicationProcess.objects.get(application=application)
    process.status = "DONE"
    later_update(process, ["status"])  # viewflow's Process table holds it, not ApplicationProcess's
    assert ApplicationProcess.objects.values_list("status", flat=True).get(pk=process.pk) == "DONE"
    with pytest.raises(ValueError):
        later_update(process, ["status", "application"])  # two tables: refused, nothing written


def test_a_row_count_is_not_checked_so_only_rows_that_exist_are_queued():
    agency = AgencyFactory()
    agency.pk = -1
    later_update(agency, ["name"])  # writes nothing, says nothing: the caller's contract
    with pytest.raises(DatabaseError):
        agency.save(update_fields=["name"])  # the ORM's save, by contrast, checks


@postgresql_only
def test_an_inner_block_without_a_savepoint_still_carries():
    agency = AgencyFactory(name="甲")
    with transaction.atomic(), write_behind():
        agency.name = "乙"
        later_update(agency, ["name"])
        with transaction.atomic(savepoint=False), CaptureQueriesContext(connection) as captured:
            assert _name(agency.pk) == "乙"
    assert [readable(q["sql"]).count(";\n") for q in captured.captured_queries] == [1]  # the write and the read, together


def _prepared_by_django(instance, fields, add: bool) -> list:
    return [field.get_db_prep_save(field.pre_save(instance, add), connection) for field in fields]


def _sent(values: list) -> list:
    """The values as the driver writes them into the SQL (a typed number as the number)."""
    if connection.vendor != "postgresql":
        return values
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    return [cursor.mogrify("%s", [int(value) if isinstance(value, int) and not isinstance(value, bool) else value])
            for value in values]


def test_a_row_s_values_are_what_django_would_send(applicant, acceptor):
    """Values of the plain kinds are sent as they are (on PostgreSQL); the rest, and any value of
    another type, as Django prepares it: either way what ``save()`` would send."""
    from datetime import date, datetime

    from django.utils import timezone

    from audit.models import AuditEntry
    from outbox.models import Message
    from tests.factories import ApplicationFactory
    from tests.timecontrol import at
    from workflows import services
    from workflows.models import Step
    from writebehind import _plain, _values

    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    services.application_submit(application=application, by=applicant)
    step = Step.objects.get(application=application, node="accept")
    step.claimed_by, step.claimed_at = acceptor, timezone.now()
    entry = AuditEntry(seq=7, at=timezone.now(), action="application.accept", object_type="approvals.application",
                       object_id=str(application.pk), application_id=application.pk, actor_id=acceptor.pk, actor_name="甲",
                       summary="受理", data={"a": 1}, prev_hash="0" * 64, hash="1" * 64)
    message = Message(handler="documents.render", key="5", created_at=timezone.now(), due_at=timezone.now())
    for instance in (step, step.task, application, entry, message):
        fields = [field for field in type(instance)._meta.concrete_fields if not field.primary_key]
        for add in (True, False):
            with at(date(2026, 3, 2)):  # a field with auto_now: the same now for both
                assert _sent(_values(instance, _plain(fields), add)) == _sent(_prepared_by_django(instance, fields, add)), \
                    instance

    odd = Message(handler=5, key="5", created_at=datetime(2026, 3, 2, 10), due_at=timezone.now())  # int, naive
    fields = [Message._meta.get_field(name) for name in ("handler", "created_at")]
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        expected = _prepared_by_django(odd, fields, True)
    with pytest.warns(RuntimeWarning, match="naive datetime"):  # not sent as it is: prepared by Django
        assert _values(odd, _plain(fields), True) == expected
    assert expected[0] == "5"
