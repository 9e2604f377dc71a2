"""Rows written the fastest way the database offers: PostgreSQL's COPY, else ``bulk_create``.

Django's ``bulk_create`` prepares every value of every row through its field (about 0.3 ms a row
here); the bulk path writes ~25 rows per application, so it would top out at a few hundred
applications a second. A ``Table`` prepares the values every row shares once, from a model instance
built with them (defaults, ``auto_now_add``), and takes the varying ones as plain values the database
driver adapts itself (numbers, text, dates, aware datetimes, decimals, booleans, None).
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, models


def db_value(model: type[models.Model], name: str, value: Any) -> Any:
    """A value as its field stores it (for the few that are not plain: flow and task references)."""
    field = model._meta.get_field(name)
    return field.get_db_prep_save(value, connection)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be written, so other rows can point at them first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                           [count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a table name of ours)
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


class Table:
    """Rows of one model: the values they share prepared once, the rest given per row."""

    def __init__(self, model: type[models.Model], *, with_id: bool = False, **shared: Any):
        self.model = model
        template = model(**shared)
        self.fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.python = {f.attname: f.pre_save(template, True) for f in self.fields}
        self.shared = {f.attname: f.get_db_prep_save(value, connection)
                       for f, value in zip(self.fields, self.python.values(), strict=True)}
        self.rows: list[dict[str, Any]] = []

    def add(self, **values: Any) -> None:
        self.rows.append(values)

    def write(self) -> int:
        """Write the rows added so far (and forget them); how many there were."""
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        names = [f.attname for f in self.fields]
        if connection.vendor == "postgresql":
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own cursor: COPY streams the rows
                with raw.copy(f"COPY {connection.ops.quote_name(self.model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[name] if name in row else self.shared[name] for name in names])
        else:
            self.model.objects.bulk_create(self._instances(rows, names))
        return len(rows)

    def _instances(self, rows: Iterable[dict[str, Any]], names: list[str]):
        for row in rows:
            yield self.model(**{name: row[name] if name in row else self.python[name] for name in names})
