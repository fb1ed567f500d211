"""One row read past Django's cursor on PostgreSQL, where its defaults cost too much.

Django runs psycopg with client-side cursors: parameters are bound into the SQL text, so no
statement is ever prepared, and results come as text. The hot reads that pay for that come
here:
- on every logged-in request, the session and the user with their roles
  (accounts/sessions.py, accounts/backends.py), and on every dashboard page the freshness
  stamp (a dozen scalar subqueries: planning it took ~1.5 ms of PostgreSQL's time, running it
  0.3 ms). Prepared, each is planned once per connection (connections persist,
  CONN_MAX_AGE).
- the scoring store's base copies (megabytes of bytea), read in binary: as text they would
  travel as hex, twice the size.

The connection is handled as Django's cursors handle it: the per-request health check first
(a connection the server dropped is replaced, lib/postgresql), errors raised as Django's and
marking the connection for a check at the request's end. Elsewhere (SQLite) Django's own
cursor runs the query. Behind a pooler in transaction mode (PgBouncer < 1.21), set
`CHISO_PG_PREPARE=0`: prepared statements would not survive there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def fetchone(
    sql: str,
    params: Sequence[Any] = (),
    *,
    prepare: bool = False,
    binary: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[Any, ...] | None:
    """The first row of `sql` (%s placeholders), or None. `prepare`: a server-side prepared
    statement on PostgreSQL; `binary`: results in binary format there."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else tuple(row)
    # What Django's cursor() does first: the health check, then a connection.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    prepare = prepare and bool(getattr(settings, "CHISO_PG_PREPARE", True))
    if prepare and raw.prepare_threshold is None:
        # Django opens connections with psycopg's preparation off (for poolers), and then
        # even prepare=True prepares nothing. A threshold never reached turns it on for the
        # statements that ask, and for them only (Django's client-side cursors never do).
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=prepare or None, binary=binary)
        found = cursor.fetchone()
    if connection.queries_logged:  # DEBUG, or a test capturing queries: logged as Django's are
        duration = time.monotonic() - started
        connection.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})
    return None if found is None else tuple(found)


_ONLY_WHEN_ASKED = 2**31 - 1  # executions before psycopg prepares a statement by itself
