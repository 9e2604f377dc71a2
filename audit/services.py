"""Writes to the record, and the walk that checks it.

``audit_record`` runs inside the caller's transaction: the event and the change it records commit
or roll back together. Writing locks the chain head first, so concurrent writers queue instead of
forking the chain; a transaction holds the head from its first audited write until it commits.

Inside ``batch()`` (a task completion holds one) the events are kept until the block ends and then
appended together: one head lock, one INSERT, one head update, however many events a step records
— and the head is held for the end of the transaction only, not from its first audited change.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

import prepared
from writebehind import insert_rows

from .models import GENESIS, AuditEntry, AuditHead

_local = threading.local()


def _json(value: Any) -> Any:
    """The value as the database will give it back (dates as ISO text, Decimals as text, lazy text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str))


def _locked_head() -> tuple[int, str]:
    """The chain head's number and hash, locked until the transaction ends."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"SELECT {quote('seq')}, {quote('hash')} FROM {quote(AuditHead._meta.db_table)} "
                                 f"WHERE {quote('id')} = 1{lock}", [])
        row = cursor.fetchone()
    if row is not None:
        return row
    # A new (or flushed) database: start from the last row, if any, so the chain goes on.
    last = AuditEntry.objects.order_by("-seq").first()
    try:
        with transaction.atomic():
            AuditHead.objects.create(pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS)
    except IntegrityError:
        pass  # another writer created it first: lock theirs
    head = AuditHead.objects.select_for_update().get(pk=1)
    return head.seq, head.hash


def audit_record(*, action: str, obj: models.Model | None = None, application_id: int | None = None,
                 by: Any = None, summary: str = "", data: dict[str, Any] | None = None) -> AuditEntry:
    """Append one event to the chain: ``action`` names it (``application.submit``, ``document.upload``,
    ``admin.change``…), ``obj`` the row it concerns, ``by`` the user (None: the system). Inside
    ``batch()`` the entry gets its number and hash when the block ends."""
    entry = AuditEntry(
        at=timezone.now(), action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        application_id=application_id,
        actor_id=getattr(by, "pk", None) if by is not None else None,
        actor_name=by.get_username() if by is not None and getattr(by, "pk", None) else "",
        summary=str(summary), data=_json(data or {}),
    )
    stack = getattr(_local, "batches", None)
    if stack:
        stack[-1].append(entry)
    else:
        _append([entry])
    return entry


@contextmanager
def batch() -> Iterator[None]:
    """Keep the events recorded inside the block and append them together at its end, still inside
    the caller's transaction. An exception discards them with the transaction."""
    stack = _local.__dict__.setdefault("batches", [])
    stack.append([])
    try:
        yield
    except BaseException:
        stack.pop()
        raise
    entries = stack.pop()
    if not entries:
        return
    if stack:
        stack[-1].extend(entries)
    else:
        _append(entries)


def _append(entries: list[AuditEntry]) -> None:
    """Number and chain ``entries`` after the head, in order, and write them with the new head."""
    with transaction.atomic(savepoint=False):
        seq, prev = _locked_head()
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = entry.compute_hash()
        sql, params = insert_rows(entries)
        update = f"UPDATE {connection.ops.quote_name(AuditHead._meta.db_table)} SET seq = %s, hash = %s WHERE id = 1"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # the rows and the new head in one statement
                prepared.execute(cursor, f"WITH appended AS ({sql}) {update}", [*params, seq, prev])
            else:
                cursor.execute(sql, params)
                cursor.execute(update, [seq, prev])


@dataclass(frozen=True)
class Verification:
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None and not self.reason


def audit_verify(*, chunk_size: int = 2000) -> Verification:
    """Walk the whole chain in order; the first row whose hash, predecessor or number does not
    match is named. A removed tail is caught by comparing the last row with the chain head."""
    expected_seq, expected_prev, checked = 1, GENESIS, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return Verification(checked, entry.seq, entry.pk, f"sequence gap: expected #{expected_seq}")
        if entry.prev_hash != expected_prev:
            return Verification(checked, entry.seq, entry.pk, "predecessor hash does not match")
        if entry.compute_hash() != entry.hash:
            return Verification(checked, entry.seq, entry.pk, "content does not match its hash")
        checked += 1
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        return Verification(checked, head.seq, None, f"chain head is #{head.seq} but the log ends at #{expected_seq - 1}")
    return Verification(checked)
