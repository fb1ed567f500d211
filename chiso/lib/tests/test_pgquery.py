"""pgquery's reads on PostgreSQL: statements asked to be prepared are (and only those, and
not with CHISO_PG_PREPARE=0), a connection the server dropped is replaced before the read as
Django's cursors do, and errors come out as Django's, marking the connection."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, connections
from django.test import override_settings

from chiso.lib import pgquery
from chiso.lib.tests.test_pg_health import _wait_readable

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's reads"),
    pytest.mark.django_db(transaction=True),
]


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_a_statement_asked_to_be_prepared_is_prepared_and_the_others_are_not() -> None:
    connection.close()  # a fresh connection, as a worker opens one
    asked, plain = "SELECT 1 + %s", "SELECT 2 + %s"
    for n in range(3):
        assert pgquery.fetchone(asked, [n], prepare=True) == (1 + n,)
        assert pgquery.fetchone(plain, [n]) == (2 + n,)
    found = _prepared()
    assert any("SELECT 1 + $1" in statement for statement in found)
    assert not any("SELECT 2 + $1" in statement for statement in found)


@override_settings(CHISO_PG_PREPARE=False)
def test_nothing_is_prepared_when_the_operator_says_so() -> None:
    connection.close()
    for n in range(3):
        assert pgquery.fetchone("SELECT 3 + %s", [n], prepare=True) == (3 + n,)
    assert not any("SELECT 3 + $1" in statement for statement in _prepared())


def _terminate(pid: int) -> None:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_a_connection_the_server_dropped_is_replaced_before_the_read() -> None:
    (pid,) = pgquery.fetchone("SELECT pg_backend_pid()") or ()
    _terminate(pid)
    _wait_readable(connection)
    connection.close_if_unusable_or_obsolete()  # a new request starts
    (again,) = pgquery.fetchone("SELECT pg_backend_pid()", prepare=True) or ()
    assert again != pid


def test_an_error_is_djangos_and_marks_the_connection_for_a_check() -> None:
    connection.ensure_connection()
    connection.errors_occurred = False
    with pytest.raises(DatabaseError):
        pgquery.fetchone("SELECT * FROM no_such_table_here")
    assert connection.errors_occurred
