"""Taguette 1.5.2 in its own virtualenv: install, start (multi-user, SQLite), load, operate.

Its HTTP API is read from its source (taguette/web/__init__.py and web/api.py): documents
are uploaded as HTML (plain text needs Calibre), highlights carry offsets into the
document's text, a tag's highlights are listed 50 per page, and every write sends the
_xsrf cookie back as X-Xsrftoken.
"""
from __future__ import annotations

import html
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from .client import Client
from ..servers import free_port, stop, wait_until_up
from .workload import Passage, Workload

VERSION = "1.5.2"


def tag_path(name: str) -> str:
    """A tag path without spaces or punctuation (Taguette matches paths by prefix)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Taguette:
    name = "taguette"

    def __init__(self, home: Path):
        self.home = home
        self.venv = home / "venv"
        self.process: subprocess.Popen | None = None
        self.client: Client | None = None

    def install(self) -> str:
        """pip-installs Taguette from PyPI into var/bench/peers/venv once; returns its version."""
        executable = self.venv / "bin" / "taguette"
        if not executable.exists():
            print(f"== installing taguette=={VERSION} into {self.venv}", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run([str(self.venv / "bin" / "pip"), "install", "--quiet", f"taguette=={VERSION}"], check=True)
        return subprocess.run([str(self.venv / "bin" / "python"), "-c",
                               "import taguette; print(taguette.__version__)"],
                              capture_output=True, text=True, check=True).stdout.strip()

    def start(self, scale: str) -> None:
        database = self.home / f"taguette-{scale}.sqlite3"
        database.unlink(missing_ok=True)
        self.port = free_port()
        config = self.home / "taguette-config.py"
        config.write_text(
            f'NAME = "Taguette (bench)"\nBIND_ADDRESS = "127.0.0.1"\nPORT = {self.port}\nBASE_PATH = "/"\n'
            f'DOMAIN = "127.0.0.1"\nSECRET_KEY = {secrets.token_hex(24)!r}\n'
            f'DATABASE = "sqlite:///{database}"\nEMAIL = "bench@localhost.invalid"\nTOS_FILE = None\n'
            'MAIL_SERVER = {"ssl": False, "host": "localhost", "port": 25}\nCOOKIES_PROMPT = False\n'
            "REGISTRATION_ENABLED = True\nSQLITE3_IMPORT_ENABLED = False\nX_HEADERS = False\nMULTIUSER = True\n")
        log = self.home / "taguette.log"
        # stdin is closed: Taguette then gives its unused admin account a random password.
        self.process = subprocess.Popen([str(self.venv / "bin" / "taguette"), "--no-browser", "server", str(config)],
                                        stdin=subprocess.DEVNULL, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True, cwd=self.home)
        wait_until_up(f"http://127.0.0.1:{self.port}/health", self.process, log)
        self.client = Client("127.0.0.1", self.port, csrf_cookie="_xsrf", csrf_header="X-Xsrftoken")
        self.client.get("/register")  # sets the _xsrf cookie
        password = secrets.token_urlsafe(16)
        self.client.form("/register", {"login": "bench", "password1": password, "password2": password,
                                       "_xsrf": self.client.cookies["_xsrf"]}, expect=(302, 303))

    def stop(self) -> None:
        if self.client:
            self.client.close()
        stop(self.process)

    # --- loading the workload -------------------------------------------------------------

    def load(self, workload: Workload) -> None:
        c = self.client
        answer = c.form("/project/new", {"name": f"Bench {workload.name}", "description": "",
                                         "_xsrf": c.cookies["_xsrf"]}, expect=(302, 303))
        self.project = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        self.documents = []
        for index, text in enumerate(workload.documents):
            body = "<html><body>" + "\n".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n")) + "</body></html>"
            created = c.multipart(f"/api/project/{self.project}/document/new",
                                  {"name": f"E{index + 1}", "description": ""},
                                  [("file", f"E{index + 1}.html", body.encode(), "text/html")]).json()["created"]
            self.documents.append(created)
        self.check_text(workload.documents[0])
        self.tags = [c.json("POST", f"/api/project/{self.project}/tag/new",
                            {"path": tag_path(name), "description": ""}).json()["id"] for name in workload.codes]
        self.tag_paths = [tag_path(name) for name in workload.codes]
        for passage in workload.passages:
            self.create(passage)

    def check_text(self, text: str) -> None:
        """Taguette's offsets count the characters of the document's text: the uploaded HTML
        must give the same text as the workload's, or the passages would differ."""
        contents = self.client.get(f"/api/project/{self.project}/document/{self.documents[0]}/contents").json()
        stored = html.unescape(re.sub(r"<[^>]+>", "", "".join(c["contents"] for c in contents["contents"])))
        if stored.strip() != text:
            raise SystemExit("Taguette stored another text than the workload's; the offsets would not match")

    def create(self, passage: Passage) -> int:
        return self.client.json("POST", f"/api/project/{self.project}/document/{self.documents[passage.document]}"
                                        "/highlight/new",
                                {"start_offset": passage.start, "end_offset": passage.end,
                                 "tags": [self.tags[c] for c in passage.codes]}).json()["id"]

    # --- the timed operations (each returns what a check can compare) -----------------------

    def open_document(self, document: int) -> int:
        """What Taguette's page asks when a document is clicked: its text and its highlights."""
        c, doc = self.client, self.documents[document]
        c.get(f"/api/project/{self.project}/document/{doc}/contents")
        return len(c.get(f"/api/project/{self.project}/document/{doc}").json()["highlights"])

    def create_passage(self, passage: Passage) -> int:
        self.created = self.create(passage)
        return self.created

    def delete_segment(self, passage: Passage) -> int:
        self.client.request("DELETE", f"/api/project/{self.project}/document/{self.documents[passage.document]}"
                                      f"/highlight/{self.created}", expect=(204,))
        return 1

    def list_code_passages(self, code: int) -> int:
        """Every page of one tag's highlights (the 'highlights of a tag' view)."""
        found, page, pages = 0, 1, 1
        while page <= pages:
            answer = self.client.get(f"/api/project/{self.project}/highlights/{quote(self.tag_paths[code])}"
                                     f"?page={page}").json()
            found += len(answer["highlights"])
            pages = answer["pages"]
            page += 1
        return found

    def code_csv(self, code: int) -> int:
        body = self.client.get(f"/project/{self.project}/export/highlights/{quote(self.tag_paths[code])}.csv").body
        return len(body)

    def codebook(self) -> int:
        return len(self.client.get(f"/project/{self.project}/export/codebook.csv").body)

    def project_home(self) -> int:
        return len(self.client.get(f"/project/{self.project}").body)
