"""Casecoder under gunicorn with production settings, on a PostgreSQL database of its own.

Set-up as a deployment does it (migrate, collectstatic, createsuperuser), then everything
else over HTTP as the browser does: sign in, create the project, import the transcripts,
create the codes and code the passages.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from .client import Client
from ..servers import free_port, production_environment, remove_sqlite, reset_database, stop, wait_until_up
from .workload import Passage, Workload

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("PEERS_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/casecoder_peers")
API = "/api/projects"


class Casecoder:
    """`database`: "postgres" (a server of its own, as a deployment for a team) or "sqlite"
    (a file, as `make run` and a researcher's own machine have it; Taguette's too)."""

    name = "casecoder"

    def __init__(self, home: Path, *, workers: int = 2, threads: int = 2, database: str = "postgres"):
        self.home = home / "casecoder"
        self.home.mkdir(parents=True, exist_ok=True)
        self.workers, self.threads = workers, threads
        self.database = database
        self.process: subprocess.Popen | None = None
        self.client: Client | None = None
        self.env = production_environment(PG_URL, self.home)
        self.static_collected = False

    def _fresh_database(self, scale: str) -> str:
        """An empty database for this scale; returns what it is, for the report."""
        if self.database == "sqlite":
            path = self.home / f"casecoder-{scale}.sqlite3"
            remove_sqlite(path)
            self.env["DATABASE_URL"] = f"sqlite:///{path}"
            return f"SQLite {sqlite3.sqlite_version}"
        self.env["DATABASE_URL"] = PG_URL
        return reset_database(PG_URL)

    def manage(self, *args: str, log, **env: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env}, check=True,
                       stdout=log, stderr=subprocess.STDOUT)

    def start(self, scale: str) -> str:
        database = self._fresh_database(scale)
        password = secrets.token_urlsafe(24)
        with (self.home / "setup.log").open("a") as log:
            self.manage("migrate", "--noinput", log=log)
            if not self.static_collected:
                self.manage("collectstatic", "--noinput", log=log)
                self.static_collected = True
            self.manage("createsuperuser", "--noinput", "--username", "bench", "--email", "bench@localhost.invalid",
                        log=log, DJANGO_SUPERUSER_PASSWORD=password)
        self.port = free_port()
        log = self.home / "gunicorn.log"
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads)],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_up(f"http://127.0.0.1:{self.port}/accounts/login/", self.process, log)
        self.client = Client("127.0.0.1", self.port, csrf_cookie="csrftoken", csrf_header="X-CSRFToken")
        self.client.get("/accounts/login/")
        self.client.form("/accounts/login/", {"username": "bench", "password": password,
                                              "csrfmiddlewaretoken": self.client.cookies["csrftoken"]},
                         expect=(302,))
        return database

    def stop(self) -> None:
        if self.client:
            self.client.close()
        stop(self.process)

    # --- loading the workload -------------------------------------------------------------

    def load(self, workload: Workload) -> None:
        c = self.client
        answer = c.form("/projects/", {"name": f"Bench {workload.name}", "description": "",
                                       "csrfmiddlewaretoken": c.cookies["csrftoken"]}, expect=(302,))
        self.slug = answer.headers["Location"].rstrip("/").rsplit("/", 1)[1]
        self.documents = []
        for index, text in enumerate(workload.documents):
            result = c.multipart(f"{API}/{self.slug}/transcripts/import", {"experts": f"E{index + 1}"},
                                 [("files", f"E{index + 1}.txt", text.encode(), "text/plain")]).json()
            self.documents.append(result["results"][0]["transcript_id"])
        self.codes = [c.json("POST", f"{API}/{self.slug}/codes", {"name": name}, expect=(201,)).json()["id"]
                      for name in workload.codes]
        self.texts = workload.documents
        for passage in workload.passages:
            self.create(passage)
        # A database in service has its statistics and its visibility map: autovacuum vacuums
        # and analyses a table within a minute of this many new rows. Without them the planner
        # takes the fresh tables for empty, and no index can answer a count alone.
        if self.database == "sqlite":
            with sqlite3.connect(self.env["DATABASE_URL"].removeprefix("sqlite:///")) as connection:
                connection.execute("ANALYZE")
            return
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as connection:
            connection.execute("VACUUM ANALYZE")

    def create(self, passage: Passage) -> int:
        """The quote is checked against the stored text: a mismatch would be a 422."""
        return self.client.json("POST", f"{API}/{self.slug}/segments", {
            "transcript_id": self.documents[passage.document], "start": passage.start, "end": passage.end,
            "quote": self.texts[passage.document][passage.start:passage.end],
            "code_ids": [self.codes[c] for c in passage.codes]}, expect=(201,)).json()["id"]

    # --- the timed operations -------------------------------------------------------------

    def open_document(self, document: int) -> int:
        """The transcript page: text, segments and codes arrive in the one page."""
        return len(self.client.get(f"/projects/{self.slug}/transcripts/{self.documents[document]}/").body)

    def create_passage(self, passage: Passage) -> int:
        self.created = self.create(passage)
        return self.created

    def delete_segment(self, passage: Passage) -> int:
        self.client.request("DELETE", f"{API}/{self.slug}/segments/{self.created}")
        return 1

    def list_code_passages(self, code: int) -> int:
        """Every page of one code's passages from the segments API, as the retrieval page reads them."""
        found, after = 0, None
        query = {"code": self.codes[code], "per_page": 200}
        while True:
            answer = self.client.get(f"{API}/{self.slug}/segments?"
                                     + urlencode({**query, **({"after": after} if after else {})})).json()
            found += len(answer["results"])
            after = answer["next"]
            if not after:
                return found

    def code_csv(self, code: int) -> int:
        query = urlencode({"format": "csv", "codes": self.codes[code]})
        return len(self.client.get(f"/projects/{self.slug}/exports/appendix/?{query}").body)

    def codebook(self) -> int:
        return len(self.client.get(f"/projects/{self.slug}/exports/codebook/?format=csv").body)

    def project_home(self) -> int:
        return len(self.client.get(f"/projects/{self.slug}/").body)
