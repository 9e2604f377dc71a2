"""Hot statements planned once per connection (prepared): the same answers, the server's plan kept."""

import itertools

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

import prepared
from approvals.models import Agency
from tests.factories import AgencyFactory

pytestmark = [pytest.mark.django_db]
_unique = itertools.count()


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE and EXECUTE are PostgreSQL's")


@pytest.fixture(autouse=True)
def _room(monkeypatch):
    """However many statements the suite has prepared on this connection, these tests' fit; and
    connections are kept, as in production (``CONN_MAX_AGE``)."""
    monkeypatch.setattr(prepared, "LIMIT", 10**6)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def _fresh(sql: str) -> str:
    """A statement no test has prepared yet in this process (a comment makes its text new)."""
    return f"{sql} /* {next(_unique)} */"


def _server_has(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0] == 1


def _run(sql: str, params: list) -> tuple[list[tuple], str]:
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        rows = cursor.fetchall()
    (sent,) = [q["sql"] for q in captured.captured_queries]
    return rows, sent


def test_the_driver_placeholders_become_the_servers_in_order():
    assert prepared._server_text("SELECT %s, '%%x' LIKE %s WHERE a = %s") == "SELECT $1, '%x' LIKE $2 WHERE a = $3"


@pytest.mark.postgres
def test_a_statement_is_prepared_on_its_second_run_and_then_executed_with_the_same_answers(postgresql):
    first, second = AgencyFactory(name="甲"), AgencyFactory(name="乙")
    sql = _fresh('SELECT "name" FROM "approvals_agency" WHERE "id" IN (%s, %s) AND "name" LIKE %s ORDER BY "id"')
    name = prepared.name_of(sql)

    rows, sent = _run(sql, [first.pk, second.pk, "%"])
    assert rows == [("甲",), ("乙",)] and sent.startswith("SELECT") and not _server_has(name)  # once: as text
    rows, sent = _run(sql, [first.pk, second.pk, "%"])
    assert rows == [("甲",), ("乙",)]
    assert sent.startswith(f"EXECUTE {name}(") and _server_has(name)  # the PREPARE went first, on its own
    rows, sent = _run(sql, [second.pk, second.pk, "乙%"])
    assert rows == [("乙",)] and sent.startswith(f"EXECUTE {name}(")
    assert prepared.readable(sent).startswith('SELECT "name" FROM "approvals_agency" WHERE "id" IN ($1, $2)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_connection_prepares_again(postgresql):
    agency = AgencyFactory(name="甲")
    sql = _fresh('SELECT "name" FROM "approvals_agency" WHERE "id" = %s')
    for _twice in range(2):
        assert _run(sql, [agency.pk])[0] == [("甲",)]
    connection.close()  # the next statement opens a new session, which has prepared nothing
    assert not _server_has(prepared.name_of(sql))
    assert _run(sql, [agency.pk])[1].startswith("SELECT")
    rows, sent = _run(sql, [agency.pk])
    assert rows == [("甲",)] and sent.startswith("EXECUTE") and _server_has(prepared.name_of(sql))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_prepared_in_a_transaction_that_rolls_back_stays_prepared(postgresql):
    sql = _fresh('SELECT count(*) FROM "approvals_agency" WHERE "name" = %s')
    with transaction.atomic():
        AgencyFactory(name="甲")
        assert _run(sql, ["甲"])[0] == [(1,)]
        assert _run(sql, ["甲"])[1].startswith("EXECUTE")
        transaction.set_rollback(True)
    rows, sent = _run(sql, ["甲"])  # PREPARE is not transactional: the name is still there
    assert rows == [(0,)] and sent.startswith("EXECUTE")


@pytest.mark.postgres
def test_a_statement_the_server_will_not_prepare_runs_as_text_and_loses_nothing(postgresql):
    sql = _fresh("SELECT pg_typeof(%s)::text")  # a parameter whose type the server cannot infer
    with transaction.atomic():
        agency = AgencyFactory(name="甲")
        _run(sql, ["x"])
        rows, sent = _run(sql, ["x"])  # the second run: refused by the server
        assert rows == [("unknown",)] and sent.startswith("SELECT pg_typeof(")
        assert Agency.objects.get(pk=agency.pk).name == "甲"  # the transaction went on, with its row
    assert not _server_has(prepared.name_of(sql))
    assert _run(sql, ["x"])[1].startswith("SELECT")  # not offered to the server again


@pytest.mark.postgres
def test_in_an_aborted_transaction_a_statement_fails_as_it_would_have(postgresql):
    sql = _fresh('SELECT "name" FROM "approvals_agency" WHERE "id" = %s')
    with transaction.atomic():
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT 1/0")
        for _twice in range(2):
            with pytest.raises(DatabaseError, match="current transaction is aborted"), connection.cursor() as cursor:
                prepared.execute(cursor, sql, [1])
        transaction.set_rollback(True)
    assert not _server_has(prepared.name_of(sql))  # nothing was prepared in the aborted transaction


@pytest.mark.postgres
def test_a_connection_prepares_at_most_the_limit(postgresql, monkeypatch):
    agency = AgencyFactory(name="甲")
    monkeypatch.setattr(prepared, "LIMIT", len(getattr(connection.connection, "cma_prepared", ())))
    sql = _fresh('SELECT "name" FROM "approvals_agency" WHERE "id" = %s')
    _run(sql, [agency.pk])
    rows, sent = _run(sql, [agency.pk])
    assert rows == [("甲",)] and sent.startswith("SELECT")


def test_off_by_setting_off_for_a_connection_per_request_and_off_the_server_that_has_it(settings, monkeypatch):
    sql = _fresh('SELECT "name" FROM "approvals_agency" WHERE "id" = %s')
    settings.PREPARED_STATEMENTS = False
    assert prepared.statement(connection, sql, [1]) == sql
    settings.PREPARED_STATEMENTS = True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    assert prepared.statement(connection, sql, [1]) == sql
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    assert prepared.statement(connection, sql, [1]) == sql  # the first run
    expected = sql if connection.vendor != "postgresql" else f"EXECUTE {prepared.name_of(sql)}(%s)"
    assert prepared.statement(connection, sql, [1]) == expected
