"""A kept PostgreSQL connection is checked at the start of each request without a round
trip while it is quiet, and replaced when the server has ended it (config/postgresql).

Run on PostgreSQL only: SQLite's connections live in this process and need no check."""
from __future__ import annotations

import secrets
import select

import pytest
from django.db import ProgrammingError, close_old_connections, connection, connections

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a check of connections to a database server"),
    pytest.mark.django_db(transaction=True),  # connections outside a test's transaction, as a request has them
]


@pytest.fixture
def other():
    """A second connection to the same database, to watch and end the first."""
    second = connections.create_connection("default")
    yield second
    second.close()


def last_query_of(other, pid: int) -> str:
    with other.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_connections_use_the_backend_whose_health_check_reads_the_socket():
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_quiet_kept_connection_is_taken_without_asking_the_server(other):
    marker = f"kept-{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT '{marker}'")
        pid = cursor.connection.info.backend_pid
    close_old_connections()  # what the start of a request does: the next use checks the connection
    assert connection.health_check_done is False
    connection.close_if_health_check_failed()
    assert connection.health_check_done is True
    assert connection.connection is not None and connection.connection.info.backend_pid == pid
    assert marker in last_query_of(other, pid)  # Django's own check would have sent SELECT 1 here


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(other):
    pid = backend_pid()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True
    # The server's farewell reaches the socket a moment later.
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    assert poller.poll(5000), "the server did not close the connection"
    close_old_connections()
    replaced = backend_pid()  # no error: the check found the ended connection and opened another
    assert replaced != pid


def test_a_connection_that_errored_is_still_asked_as_django_asks_it(other):
    """After a failed query (errors_occurred) Django's own check runs: the server answers."""
    pid = backend_pid()
    with pytest.raises(ProgrammingError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert connection.errors_occurred
    close_old_connections()
    assert last_query_of(other, pid).strip() == "SELECT 1"
    assert backend_pid() == pid  # usable: kept
