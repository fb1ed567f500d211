"""Django's PostgreSQL backend with a health check that costs no round trip when it need not.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django sends `SELECT 1`
before the first query of every request, so that a connection the server dropped while it
sat idle (a restart, an idle timeout, pg_terminate_backend) is replaced instead of failing
the request. Measured under load on the leaders' dashboard, that round trip was a fifth of a
request's time.

A server that drops a connection says so on its socket: it sends a FATAL message and closes
it, and the socket turns readable. Between requests nothing else arrives (chiso does not
LISTEN), so a socket with nothing to read is a connection the server still holds: the check
polls the socket (a system call, no round trip) and only when something is there asks the
server, as Django does. What neither check can see is a peer that vanished without a word
(a cable pulled); Django's `SELECT 1` would wait for the TCP timeout there too.

Select it with ENGINE = "chiso.lib.postgresql" (chiso.settings does, for postgres:// URLs).
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        connection: Any = self.connection
        # Django's own attributes (set at connect, reset per request); django-stubs lacks them.
        enabled = getattr(self, "health_check_enabled", False)
        done = getattr(self, "health_check_done", False)
        if connection is not None and enabled and not done and not self.pool and _quiet(connection):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def _quiet(connection: psycopg.Connection[Any]) -> bool:
    """Whether the connection is idle and its socket has nothing to read (no word from the
    server since the last reply)."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()  # poll, not select: any descriptor number
        poller.register(connection.pgconn.socket, select.POLLIN | select.POLLPRI)
        ready = poller.poll(0)
    except (OSError, ValueError, psycopg.Error):
        return False
    return not ready
