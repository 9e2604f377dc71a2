"""Timestamps read with the driver's C parser, on each new connection (a floor under every app).

Django reads every ``timestamp with time zone`` through a loader of its own (to give each value the
connection's time zone), and that loader extends psycopg's *Python* one: every datetime a page reads
was parsed by a regular expression in Python, about 6 µs a value, so a queue page of 20 rows
spent a tenth of its CPU turning text into datetimes. psycopg's C loader parses the same text in
about 2 µs. ``timestamps_in_c`` (a ``connection_created`` receiver) puts a loader on each new
PostgreSQL connection that lets the C loader parse and then does exactly what Django's does: set the
connection's time zone on the value (tests compare the two value for value).
"""

from functools import cache

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


def _parser():
    """psycopg's own loader of ``timestamptz`` text: its C class where psycopg has its C part."""
    return psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


@cache
def _loader_class(timezone):
    """A loader of ``timestamptz`` for Django's connection time zone (``timezone`` is what Django's own
    loader carries, and compares before each cursor: an equal one is kept)."""
    parse_in_c = _parser()  # the C class cannot be extended, only used

    class TimestamptzInC(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = parse_in_c(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=timezone)

    TimestamptzInC.timezone = timezone
    return TimestamptzInC


def timestamps_in_c(sender, connection, **kwargs) -> None:
    """``connection_created``: read timestamps with psycopg's C parser (where psycopg has its C part:
    with its pure Python one, Django's loader is as fast and stays)."""
    if connection.vendor != "postgresql" or _parser() is TimestamptzLoader:
        return
    connection.connection.adapters.register_loader("timestamptz", _loader_class(connection.timezone))
