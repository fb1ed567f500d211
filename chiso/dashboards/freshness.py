"""Rendered fragments cached by the freshness of what they show.

Pages read score snapshots, which the scoring service replaces whole (delete + insert) on
every re-score; ids only grow (PostgreSQL sequences, SQLite AUTOINCREMENT), so the largest
snapshot id changes on every re-score anywhere. Publications are few; their count and largest
id change on every publish and withdrawal. Together they form the *stamp*: a cache key that
contains it can never serve a fragment computed before a re-score or a (un)publication, in any
worker process, without any invalidation message. Stale entries simply stop being asked for
and age out (TIMEOUT). Reading the stamp costs one query (three indexed aggregates).

Data that changes without a re-score (plans' tasks, today's date) is either part of the key
(the day, the plans' stamp) or not cached.

What is cached: whole page bodies (the leaders' dashboard, the ranking section, each portal
page), including the decisions that depend only on stamped data — whether a cohort is
published (a withdrawn one answers 404 on the next request), which province a leader reads.
What is not: who the user is. The session, the user and their roles are read on every request,
and what decides the province (superuser flag, units holding a province-wide role) is part of
the dashboard's key, so a revoked role shows at once. Organisation edits (a unit renamed,
moved) are not in the stamp: they show after the next re-score or within TIMEOUT.

The stamp itself is read from the database on every request, never kept in the process: a
worker that cached it for even one second would serve the pre-publication page after another
worker (or the CLI) published — "visible on the next request in every worker" needs a shared
source of truth, and the stamp is indexed aggregates (~0.03 ms on SQLite, one round trip to a
prepared statement on PostgreSQL). A cross-process signal (a file's mtime, a Redis counter)
would save that round trip but would have to be bumped by every writer, the CLI and bulk
imports included; the database already is that signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import translation

from chiso.dashboards.models import Publication
from chiso.lib import pgquery
from chiso.scoring.models import ScoreSnapshot

T = TypeVar("T")
TIMEOUT = 600  # seconds; a safety net only, the stamp is what keeps fragments fresh
_ATTR = "_chiso_stamp"


def stamp(request: HttpRequest | None = None, extra: Sequence[str] = ()) -> str:
    """The freshness of every snapshot and publication (one query, once per request).

    `extra`: more scalar subqueries read in the same round trip (the dashboard adds the plans'
    stamp, see plan_links.stamp_parts), made part of this request's stamp."""
    cached: str | None = getattr(request, _ATTR, None)
    if cached is not None:
        return cached
    snaps, pubs = ScoreSnapshot._meta.db_table, Publication._meta.db_table
    more = "".join(f", {part}" for part in extra)
    # Table names come from the models, not from input. Prepared on PostgreSQL: planning its
    # dozen subqueries costs five times more than running them (lib/pgquery.py).
    sql = f"SELECT (SELECT MAX(id) FROM {snaps}), (SELECT COUNT(*) FROM {pubs}), "
    row = pgquery.fetchone(f"{sql}(SELECT MAX(id) FROM {pubs}){more}", prepare=True)
    assert row is not None  # scalar subqueries: always one row
    # No spaces (a datetime's str has one): the stamp is part of cache keys.
    value = ".".join(str(x or 0).replace(" ", "T") for x in row) + f".{dt.date.today()}"
    if request is not None:
        setattr(request, _ATTR, value)
    return value


def fragment(request: HttpRequest | None, key: str, build: Callable[[], T]) -> T:
    """The cached result of `build()` (rendered HTML, or picklable data) for `key` at the
    current stamp, in the active language (a fragment rendered for an English visitor must
    never be served to a Vietnamese one)."""
    full = f"chiso:frag:{stamp(request)}:{translation.get_language()}:{key}"
    found: T | None = cache.get(full)
    if found is None:
        found = build()
        cache.set(full, found, TIMEOUT)
    return found
