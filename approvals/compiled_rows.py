"""Reads of many rows compiled to SQL once per process: ``workflows.compiled.CompiledRead`` for lists.

The application page reads a handful of short lists of one application (its steps, notices, scope,
status changes, answer files, issued PDFs). Each is a few rows, and Django spent longer building and
compiling each queryset than the database spent running it. ``CompiledRows`` compiles the queryset
once with stand-in values for its integer parameters and afterwards only executes it: the same SQL,
the same model instances (related objects of ``select_related`` cached, annotations set) as
``list(queryset)``.

    steps = CompiledRows(lambda application: Step.objects.filter(application_id=application), "application")
    steps.all(application=7)                                   # list(queryset)
    steps.all(application=7, known={"application": app})       # each row's .application is app

``known`` does what a related manager does for ``application.steps.all()``: the rows' foreign key to
the object they were read through is set to that object, not read again.
"""

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

from workflows.compiled import CompiledRead


class CompiledRows(CompiledRead):
    """A queryset over integer parameters, compiled on first use per database alias, read as a list."""

    def all(self, *, using: str = DEFAULT_DB_ALIAS, known: dict[str, Any] | None = None, **values: int) -> list:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        model = compiled.model
        fields = [model._meta.get_field(name) for name in known or ()]
        result = []
        for row in rows:
            if compiled.converters:
                row = list(row)
                for position, (converters, expression) in compiled.converters.items():
                    for converter in converters:
                        row[position] = converter(row[position], expression, connection)
            obj = model.from_db(using, compiled.init_list, row[compiled.start:compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations.items():
                setattr(obj, name, row[position])
            for field in fields:
                field.set_cached_value(obj, known[field.name])
            result.append(obj)
        return result


class CompiledIdRows:
    """``list(build(ids))`` for the ids of up to a page of rows (``size``), compiled once per process: the
    ids are padded with repeats of the last one (the same rows: ``IN`` ignores repeats). More ids, or
    none, run ``build`` as it is."""

    def __init__(self, build: Callable[[list[int]], QuerySet], size: int):
        self.build = build
        self.names = tuple(f"id{n}" for n in range(size))
        self.read = CompiledRows(lambda **ids: build(list(ids.values())), *self.names)

    def all(self, ids: list[int]) -> list:
        if not 0 < len(ids) <= len(self.names):
            return list(self.build(ids))
        padded = ids + ids[-1:] * (len(self.names) - len(ids))
        return self.read.all(**dict(zip(self.names, padded, strict=True)))
