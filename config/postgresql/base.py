"""Django's PostgreSQL backend, whose health check at the start of a request looks at the
connection's socket before it asks the server.

Django checks a kept connection (CONN_HEALTH_CHECKS) with a `SELECT 1` before the first
query of every request: a round trip to a server process that has to wake up for it, about
0.5 ms of a 5-10 ms request on loopback (#19). A server that ends a connection (a restart,
`pg_terminate_backend`, an idle timeout, a proxy) says so on the socket: it sends its
reason and closes, so an idle connection with something to read is one to check. Only
then is the server asked, as Django does; a quiet idle connection is taken as it is.
Neither way finds a connection whose peer vanished without a word: the `SELECT 1` would
wait for TCP to give up, for as long as the first query does.
"""
from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and self._quiet_and_idle()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet_and_idle(self) -> bool:
        """Open, outside a transaction, and nothing arrived since the last answer."""
        connection = self.connection
        if connection.closed or connection.pgconn.status != pq.ConnStatus.OK:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            return not _readable(connection.fileno())
        except (OSError, ValueError):
            return False


def _readable(fileno: int) -> bool:
    """Whether the socket has data or an end to read, without waiting."""
    if hasattr(select, "poll"):  # any descriptor number; select() stops at 1024
        poller = select.poll()
        poller.register(fileno, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fileno], [], [], 0)[0])
