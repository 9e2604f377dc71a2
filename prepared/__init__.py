"""Hot statements planned once per connection, not on every run.

PostgreSQL plans every statement it is sent as text. For the product's hottest statements the plan
costs more than the run: a task completion's locked read of the task with its step, process,
application, agency and rule set (seven tables) took about 1.1 ms to plan and 0.15 ms to run. The
usual remedy, psycopg's server-side prepared statements, needs the extended query protocol, and
``writebehind`` sends its queued writes in the simple one (several statements in one request).
So this floor prepares in SQL: the second time a connection runs one of these statements it sends
``PREPARE name AS …`` on its own (a statement run once, such as an INSERT of an unusual number of
rows, is not worth a prepared statement); from then on the statement travels as ``EXECUTE name(…)`` with its
parameters, in the simple protocol, alone or carried with queued writes like any other statement.
After a few runs the server keeps one generic plan for it (or goes on planning per run where that
pays, as it decides for any prepared statement).

Only statements the floors build once (``compiled`` reads, ``writebehind``'s INSERTs and UPDATEs,
the audit chain's and the outbox's) are prepared, so their number is small and fixed; a connection
prepares at most ``LIMIT`` of them. A statement is named after a hash of its text: the same name
on every connection and process. The names a connection has prepared are kept on its own
(psycopg) connection object, so a new connection starts again. A PREPARE inside a transaction is
sent within a savepoint: if the server refused to prepare a statement (a parameter whose type it
cannot infer), nothing of the transaction is lost; the statement is then run as text, as before,
and not offered again by this process.

Off on other databases, with server-side binding (psycopg then prepares by itself), where
connections are not kept between requests (``CONN_MAX_AGE = 0``), and with the setting
``PREPARED_STATEMENTS = False`` (a pooler in transaction mode, such as PgBouncer, does not
keep a session's prepared statements).

On the same floor, ``prepared.timestamps`` has each new connection read its timestamps with the
driver's C parser.
"""

import functools
import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

LIMIT = 256  # statements prepared per connection
PREPARE_AFTER = 2  # runs on a connection: a statement run once (an unusual row count) is not prepared
_PLACEHOLDER = re.compile(r"%%|%s")
_REFUSED: set[str] = set()  # names the server would not prepare (this process does not try them again)
_TEXTS: dict[str, str] = {}  # name: the statement as the server has it, for ``readable``
_EXECUTE = re.compile(r"EXECUTE (cma_[0-9a-f]{20})")


def enabled(connection) -> bool:
    """On PostgreSQL with client-side binding, with connections kept between requests (a connection
    that serves one request would pay a PREPARE for each statement it runs once), unless turned off."""
    return (connection.vendor == "postgresql"
            and connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True
            and connection.settings_dict.get("CONN_MAX_AGE") != 0
            and getattr(settings, "PREPARED_STATEMENTS", True))


@functools.lru_cache(maxsize=4 * LIMIT)
def name_of(sql: str) -> str:
    """The statement's name: a hash of its text, worked out once per text (every run asks for it)."""
    return "cma_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()


def _server_text(sql: str) -> str:
    """The statement with ``$1, $2, …`` for the driver's ``%s`` (and ``%`` for ``%%``), in order."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def statement(connection, sql: str, params: Sequence[Any] | None) -> str:
    """What to send for ``sql`` with ``params`` on ``connection``: ``EXECUTE name(%s, …)`` once the
    statement is prepared there (on its second run), else ``sql`` itself."""
    if params is None or isinstance(params, dict) or not enabled(connection):
        return sql
    name = name_of(sql)
    if name in _REFUSED:
        return sql
    connection.ensure_connection()
    raw = connection.connection
    prepared = getattr(raw, "cma_prepared", None)
    if prepared is None:
        prepared = raw.cma_prepared = set()
        raw.cma_runs = {}
    if name not in prepared:
        runs = raw.cma_runs[name] = raw.cma_runs.get(name, 0) + 1
        if runs < PREPARE_AFTER or len(prepared) >= LIMIT or _aborted(raw):
            if len(raw.cma_runs) > 4 * LIMIT:  # counts of statements run once or twice: start again
                raw.cma_runs.clear()
            return sql  # in an aborted transaction the statement fails as it would have
        text = _server_text(sql)
        if not _prepare(connection, raw, name, text):
            return sql
        prepared.add(name)
        _TEXTS[name] = text
    return f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"


def _aborted(raw) -> bool:
    from psycopg import pq

    return raw.info.transaction_status == pq.TransactionStatus.INERROR


def _prepare(connection, raw, name: str, text: str) -> bool:
    """PREPARE ``text`` (the server's form of the statement) on the driver's own connection (no
    statement of the request's: nothing is carried with it, nothing counted); inside a transaction
    within a savepoint, so a refusal loses nothing."""
    import psycopg

    prepare = f"PREPARE {name} AS {text}"
    with connection.wrap_database_errors:
        if raw.autocommit:
            try:
                raw.execute(prepare)
            except psycopg.DatabaseError as error:
                return _refused(name, text, error)
            return True
        try:
            raw.execute(f"SAVEPOINT cma_prepare; {prepare}; RELEASE SAVEPOINT cma_prepare")
        except psycopg.DatabaseError as error:
            raw.execute("ROLLBACK TO SAVEPOINT cma_prepare; RELEASE SAVEPOINT cma_prepare")
            return _refused(name, text, error)
    return True


def _refused(name: str, sql: str, error: Exception) -> bool:
    _REFUSED.add(name)
    logger.warning("not prepared (run as text from now on): %s: %s", error, sql[:200])
    return False


def execute(cursor, sql: str, params: Sequence[Any]) -> None:
    """``cursor.execute(sql, params)``, the statement planned once per connection."""
    cursor.execute(statement(cursor.db, sql, params), params)


def readable(sent: str) -> str:
    """What was sent (a query log's text), each ``EXECUTE name`` shown as the statement it runs,
    followed by its arguments: for tests and logs that look at the SQL."""
    return _EXECUTE.sub(lambda match: _TEXTS.get(match.group(1), match.group()), sent)
