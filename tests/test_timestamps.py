"""Timestamps are read with the driver's C parser (prepared.timestamps), with Django's meaning."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from prepared.timestamps import _loader_class

pytestmark = [pytest.mark.django_db, pytest.mark.postgres,
              pytest.mark.skipif("connection.vendor != 'postgresql'")]


def _djangos(tz):
    """Django's own loader for the connection time zone (django.db.backends.postgresql.psycopg_any)."""
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    return type("DjangosTzLoader", (BaseTzLoader,), {"timezone": tz})


@pytest.mark.parametrize("tz", [UTC, None, timezone(timedelta(hours=8))])
def test_the_loader_reads_what_django_s_reads(tz):
    connection.ensure_connection()
    ours, django = _loader_class(tz)(1184, connection.connection), _djangos(tz)(1184, connection.connection)
    texts = [b"2026-03-02 02:00:00+00", b"2026-03-02 02:00:00.000001+00", b"1999-12-31 23:59:59.5+00",
             b"2026-11-30 16:00:00+00", b"0001-01-01 00:00:00+00", b"9999-12-31 23:59:59.999999+00"]
    for text in texts:
        got, want = ours.load(text), django.load(text)
        assert got == want and got.tzinfo is want.tzinfo, text
    with pytest.raises(Exception) as ours_refused:
        ours.load(b"infinity")
    with pytest.raises(Exception) as django_refused:
        django.load(b"infinity")
    assert type(ours_refused.value) is type(django_refused.value)
    assert issubclass(_djangos(tz), TimestamptzLoader) and not issubclass(_loader_class(tz), TimestamptzLoader)


def test_every_connection_reads_timestamps_with_it_and_django_keeps_it():
    connection.ensure_connection()  # opened after the apps were ready: connection_created ran
    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)
    assert loader is _loader_class(connection.timezone)
    with connection.cursor() as cursor:  # Django's cursor does not put its own loader back
        cursor.execute("SELECT %s::timestamptz", [datetime(2026, 3, 2, 10, tzinfo=timezone(timedelta(hours=8)))])
        (value,) = cursor.fetchone()
        assert cursor.cursor.adapters.get_loader(1184, Format.TEXT) is loader
    assert value == datetime(2026, 3, 2, 2, tzinfo=UTC) and value.tzinfo is connection.timezone
