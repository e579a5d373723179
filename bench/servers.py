"""Servers on loopback for the measurements that run them as a deployment would (`make
load`, `make bench-peers`): a free port, production settings, a PostgreSQL database of
their own, waiting until a server answers, and a clean stop."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """The settings of a production server, except plain HTTP on loopback."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "DATABASE_URL": database_url,
        "CASECODER_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
    })
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def remove_sqlite(path: Path) -> None:
    """A SQLite database file gone with its write-ahead log and index, for a fresh start."""
    for leftover in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


def reset_database(database_url: str) -> str:
    """Drop and create the database of `database_url`; returns PostgreSQL's version."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    name = config["NAME"]
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Refusing an unusual database name: {name!r}")
    try:
        admin = psycopg.connect(host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432,
                                user=config["USER"] or "postgres", password=config["PASSWORD"] or None,
                                dbname="postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise SystemExit(f"PostgreSQL is not reachable ({database_url}): {error}") from error
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        return admin.execute("SHOW server_version").fetchone()[0]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 120,
                  refused: Callable[[int], str] | None = None) -> None:
    """Until `url` answers below 500. An answer of 500 or more is waited out, unless
    `refused(status)` gives the reason to stop with."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server stopped with exit code {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
            if refused is not None:
                raise SystemExit(refused(error.code)) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s; see {log}")


def stop(process: subprocess.Popen | None, grace: float = 20, name: str = "") -> None:
    """SIGTERM (gunicorn: a graceful shutdown), then SIGKILL to the process group the
    harness started (its own session: it and its workers only)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        if name:
            print(f"== {name} did not stop within {grace:.0f} s; killing it", flush=True)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
