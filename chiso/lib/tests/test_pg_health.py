"""The PostgreSQL backend's health check (chiso/lib/postgresql): a connection the server still
holds is trusted without a round trip; one the server dropped (a restart, an idle timeout,
pg_terminate_backend) is found out before a request uses it, and replaced."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections

from chiso.lib.postgresql.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def other() -> Iterator[Any]:
    """A second connection to the test database, as a web worker holds one between requests."""
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.ensure_connection()
    assert wrapper.health_check_enabled  # chiso.settings turns the checks on
    yield wrapper
    wrapper.close()


def _counted(wrapper: Any) -> list[int]:
    """Counts the round-trip checks (Django's SELECT 1) the wrapper makes."""
    calls: list[int] = []
    real = wrapper.is_usable

    def is_usable() -> bool:
        calls.append(1)
        return bool(real())

    wrapper.is_usable = is_usable
    return calls


def _new_request(wrapper: Any) -> None:
    wrapper.close_if_unusable_or_obsolete()  # what request_started runs
    wrapper.close_if_health_check_failed()  # what the request's first query runs


def test_a_live_connection_is_trusted_without_a_round_trip(other: Any) -> None:
    calls = _counted(other)
    for _ in range(3):
        _new_request(other)
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert calls == []
    assert other.connection is not None and other.health_check_done


def test_a_connection_the_server_dropped_is_replaced_before_it_is_used(other: Any) -> None:
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    calls = _counted(other)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    _wait_readable(other)
    _new_request(other)
    assert calls == [1]  # something on the socket: the server was asked, and it was gone
    assert other.connection is None
    with other.cursor() as cursor:  # a new connection, transparently
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def _wait_readable(wrapper: Any) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if select.select([wrapper.connection.pgconn.socket], [], [], 0.05)[0]:
            return
    raise AssertionError("the server's goodbye never reached the socket")
