"""One row read past Django's cursor on PostgreSQL, where its defaults cost too much.

Django runs psycopg with client-side cursors: parameters are bound into the SQL text, so no
statement is ever prepared, and results come as text. Two hot reads pay for that:
- the dashboards' freshness stamp (a dozen scalar subqueries, read on every page request):
  planning it takes ~1.5 ms of PostgreSQL's time, executing it 0.3 ms. Prepared once per
  connection (connections persist, CONN_MAX_AGE), it is planned once.
- the scoring store's base copies (4 MB of bytea): as text they travel as 8 MB of hex.

Elsewhere (SQLite) Django's own cursor runs the query. Behind a pooler in transaction mode
(PgBouncer < 1.21), set `CHISO_PG_PREPARE=0`: prepared statements would not survive there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection


def fetchone(
    sql: str, params: Sequence[Any] = (), *, prepare: bool = False, binary: bool = False
) -> tuple[Any, ...] | None:
    """The first row of `sql` (%s placeholders), or None. `prepare`: a server-side prepared
    statement on PostgreSQL; `binary`: results in binary format there."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else tuple(row)
    connection.ensure_connection()
    prepare = prepare and bool(getattr(settings, "CHISO_PG_PREPARE", True))
    started = time.monotonic()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=prepare or None, binary=binary)
        found = cursor.fetchone()
    if connection.queries_logged:  # DEBUG, or a test capturing queries: logged as Django's are
        duration = time.monotonic() - started
        connection.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})
    return None if found is None else tuple(found)
