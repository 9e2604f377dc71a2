"""Keyset (cursor) pagination for lists that may grow to millions of rows.

A page is one indexed range query of ``size + 1`` rows: no ``COUNT(*)`` and no ``OFFSET``, so the
cost of a page does not depend on how many rows the list holds or how deep the reader pages.
The key is a (datetime, id) pair, ascending or descending, which is what every list here orders by.
"""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 20


@dataclass
class KeysetPage:
    """One page of a keyset-paginated list and the cursors to its neighbours."""

    items: list[Any] = field(default_factory=list)
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def encode_cursor(moment: datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (datetime, id) a cursor points at, or None for a missing or tampered cursor."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(moment), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _beyond(key: str, moment: datetime, pk: int, *, forward: bool, descending: bool) -> Q:
    """Rows strictly after (forward) or before the cursor in the list's order.

    Written as ``key >= m AND (key > m OR pk > p)`` rather than ``key > m OR (key = m AND pk > p)``:
    the first conjunct is a range the index can start from; the plain OR form makes PostgreSQL walk
    the index from the start of the queue and filter (measured: 150 ms instead of 5 ms mid-way
    through a million rows, bench/queue_pages.py).
    """
    greater = forward != descending
    op = "gt" if greater else "lt"
    return Q(**{f"{key}__{op}e": moment}) & (Q(**{f"{key}__{op}": moment}) | Q(**{f"pk__{op}": pk}))


def keyset_page(queryset: QuerySet, *, key: str, after: str = "", before: str = "",
                size: int = DEFAULT_PAGE_SIZE) -> KeysetPage:
    """One page of ``queryset`` ordered by ``key`` (e.g. ``"entered_at"`` or ``"-created"``) then pk.

    ``after`` pages forward from a cursor, ``before`` backward; with neither, the first page.
    An unreadable cursor reads as the first page rather than an error: cursors live in URLs.
    """
    descending = key.startswith("-")
    name = key.lstrip("-")
    order = (f"-{name}", "-pk") if descending else (name, "pk")
    reverse_order = (name, "pk") if descending else (f"-{name}", "-pk")

    after_key, before_key = decode_cursor(after), decode_cursor(before)
    if before_key and not after_key:
        rows = list(
            queryset.filter(_beyond(name, *before_key, forward=False, descending=descending))
            .order_by(*reverse_order)[: size + 1]
        )
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        page = KeysetPage(items=rows)
        if rows:
            page.next_cursor = _cursor_of(rows[-1], name)
            if more_before:
                page.previous_cursor = _cursor_of(rows[0], name)
        return page

    if after_key:
        queryset = queryset.filter(_beyond(name, *after_key, forward=True, descending=descending))
    return forward_page(list(queryset.order_by(*order)[: size + 1]), key=key, size=size, first=not after_key)


def forward_page(rows: list[Any], *, key: str, size: int = DEFAULT_PAGE_SIZE, first: bool = True) -> KeysetPage:
    """The page of ``rows``, the ``size + 1`` rows from a cursor (or from the start: ``first``) in the
    list's order: the caller may have read them some other way than ``keyset_page`` (compiled)."""
    name = key.lstrip("-")
    more_after = len(rows) > size
    rows = rows[:size]
    page = KeysetPage(items=rows)
    if rows:
        if more_after:
            page.next_cursor = _cursor_of(rows[-1], name)
        if not first:
            page.previous_cursor = _cursor_of(rows[0], name)
    return page


def _cursor_of(row: Any, name: str) -> str:
    return encode_cursor(getattr(row, name), row.pk)


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's page numbers, except that a page that is no number is a 400 (DRF takes a blank one as page 1,
    which the API schema's integer does not promise)."""

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not (raw.isascii() and raw.isdigit()):
            raise ValidationError({self.page_query_param: [_("页码应为正整数。")]})
        return super().get_page_number(request, paginator)

    def paginate_rows(self, queryset, request, *, first_page) -> list:
        """``paginate_queryset``, except that a request naming no page gets ``first_page()`` as its rows: the
        caller's own read of ``queryset[:page_size]`` (compiled), in place of the queryset's slice. The
        count and any other page are the queryset's."""
        if self.page_query_param in request.query_params or self.get_page_size(request) != self.page_size:
            return self.paginate_queryset(queryset, request)
        self.request = request
        paginator = self.django_paginator_class(queryset, self.page_size)
        self.page = Page(first_page(), 1, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
