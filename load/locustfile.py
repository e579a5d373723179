"""Simulated coders of the demo project, for `make load` (load/run_load.py starts this).

Each simulated coder signs in once through the real sign-in form (CSRF token from the
form), then, with a pause of 0.5-2 s between actions (busier than any real coder), opens
the project home, opens transcripts, creates segments and edits its own segments
through the JSON API (X-CSRFToken from the csrftoken cookie, as static/js/lib/api.js
does; after each write it reloads the codebook counts as the page's script does), and
opens the retrieval and matrix pages.

The URLs come from the running app: load/run_load.py reverses the URL names into
LOAD_PLAN (a JSON file), and the start-up step below signs in once, finds the
transcripts on the project home page, the codes and cases through the API, and tries each
page: a page whose URL answers 404 (not built yet) is skipped, with its task, and listed
under "skipped" in the result. Other failures are not skipped: they count as errors.

Environment: LOAD_PLAN (the plan file), LOAD_PASSWORD (the load-test coders' password),
LOAD_RESULT (where the figures are written as JSON when locust quits).
"""
from __future__ import annotations

import itertools
import json
import math
import os
import random
import re
import threading
import time
from pathlib import Path

import requests
from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
PASSWORD = os.environ["LOAD_PASSWORD"]
SIGN_IN_FORM, SIGN_IN = "sign-in form", "sign in"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_next_user = itertools.cycle(PLAN["usernames"])
_lock = threading.Lock()


class LoopbackCookies(requests.cookies.RequestsCookieJar):
    """A cookie jar that also sends the Secure session and CSRF cookies over plain HTTP to
    127.0.0.1, as browsers do for a loopback address: production settings mark them
    Secure, and this run uses those settings without TLS. (requests copies the session's
    jar into a fresh one for each request, so a cookie policy would be lost: the jar
    stores the cookies without the flag instead.)"""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Found:
    """What the start-up step found in the running app."""
    transcripts: list[dict] = []   # {"id", "url", "text" (or None)}
    code_ids: list[int] = []
    case_ids: list[int] = []
    skipped: list[str] = []
    pages: dict[str, str] = {}
    api_ok = False
    failed = ""


def sign_in(client, username: str, **names) -> None:
    """Through the real form: GET it for the CSRF token, POST the credentials."""
    form = client.get(PLAN["login"], **names.get("form", {}))
    match = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or not match:
        raise RuntimeError(f"the sign-in form answered {form.status_code} without a CSRF token")
    answer = client.post(PLAN["login"], data={"username": username, "password": PASSWORD, "next": "",
                                              "csrfmiddlewaretoken": match.group(1)},
                         allow_redirects=False, **names.get("post", {}))
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in of {username} answered {answer.status_code}, not a redirect")


@events.test_start.add_listener
def discover(environment, **_kwargs):
    try:
        _discover(environment)
    except Exception as error:  # noqa: BLE001 - reported, and the run stops: nothing to measure
        Found.failed = f"start-up failed: {type(error).__name__}: {error}"
        print(Found.failed, flush=True)
        environment.runner.quit()


def _discover(environment):
    base = environment.host.rstrip("/")
    session = requests.Session()
    session.cookies = LoopbackCookies()
    session.get = _prefixed(session.get, base)
    session.post = _prefixed(session.post, base)
    sign_in(session, PLAN["usernames"][0])
    pages = dict(PLAN["pages"])
    home = session.get(pages["home"])
    home.raise_for_status()
    api = PLAN["api"]
    codes = session.get(f"{api}/codes")
    Found.api_ok = codes.status_code == 200
    if Found.api_ok:
        Found.code_ids = [c["id"] for c in codes.json()]
    else:
        Found.skipped.append(f"segment create/edit: GET {api}/codes answered {codes.status_code}")
    ids = []
    if "transcript" in pages:
        pattern = re.escape(pages["transcript"]).replace("999999", r"(\d+)")
        ids = sorted({int(m) for m in re.findall(pattern, home.text)})
    for pk in ids:
        url = pages["transcript"].replace("999999", str(pk))
        text = session.get(f"{api}/transcripts/{pk}/text")
        Found.transcripts.append({"id": pk, "url": url, "text": text.json()["text"] if text.ok else None})
    if ids and not any(t["text"] for t in Found.transcripts):
        Found.skipped.append(f"segment create/edit: {api}/transcripts/<id>/text gave no text to quote")
    if not ids:
        Found.skipped.append("transcript page and segment create/edit: no transcript links on the project home page")
    else:
        page = session.get(Found.transcripts[0]["url"])
        if page.status_code == 404:
            Found.skipped.append(f"transcript page: {Found.transcripts[0]['url']} answered 404")
        else:
            Found.pages["transcript"] = Found.transcripts[0]["url"]
        data = re.search(r'<script id="workspace-data" type="application/json">(.*?)</script>', page.text, re.S)
        if data:
            Found.case_ids = [c["id"] for c in json.loads(data.group(1)).get("cases", [])]
    for name in ("retrieval", "matrix"):
        url = pages.get(name)
        if url is None:
            Found.skipped.append(f"{name} page: no such URL name")
        elif session.get(url).status_code == 404:
            Found.skipped.append(f"{name} page: {url} answered 404")
        else:
            Found.pages[name] = url
    Found.pages["home"] = pages["home"]
    session.close()
    print(f"found {len(Found.transcripts)} transcripts, {len(Found.code_ids)} codes, {len(Found.case_ids)} cases;"
          f" pages {sorted(Found.pages)}; skipped {Found.skipped or 'nothing'}", flush=True)


def _prefixed(method, base):
    return lambda url, **kwargs: method(base + url, **kwargs)


class Coder(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        self.client.cookies = LoopbackCookies()
        with _lock:
            self.username = next(_next_user)
        self.mine: list[dict] = []   # this coder's segments: {"id", "version", "transcript_id"}
        try:
            sign_in(self.client, self.username, form={"name": SIGN_IN_FORM}, post={"name": SIGN_IN})
        except RuntimeError:
            raise StopUser()

    def _headers(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Content-Type": "application/json"}

    def _after_write(self, transcript_id: int) -> None:
        """The page's script reloads the codebook counts after every write."""
        self.client.get(f"{PLAN['api']}/codes?transcript={transcript_id}", name="API codebook (after a write)")

    @task(1)
    def project_home(self):
        self.client.get(Found.pages["home"], name="project home")

    @task(4)
    def transcript_page(self):
        if "transcript" in Found.pages:
            self.client.get(random.choice(Found.transcripts)["url"], name="transcript page")

    @task(3)
    def create_segment(self):
        candidates = [t for t in Found.transcripts if t["text"]]
        if not (Found.api_ok and candidates and Found.code_ids):
            return
        transcript = random.choice(candidates)
        start, end = passage(transcript["text"])
        body = {"transcript_id": transcript["id"], "start": start, "end": end, "quote": transcript["text"][start:end],
                "code_ids": random.sample(Found.code_ids, k=min(len(Found.code_ids), random.choice((1, 1, 2)))),
                "memo": ""}
        if Found.case_ids and random.random() < 0.2:
            body["case_ids"] = [random.choice(Found.case_ids)]
        with self.client.post(f"{PLAN['api']}/segments", data=json.dumps(body), headers=self._headers(),
                              name="API segment create", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            segment = response.json()
        self.mine.append({"id": segment["id"], "version": segment["version"], "transcript_id": transcript["id"]})
        self._after_write(transcript["id"])

    @task(3)
    def edit_segment(self):
        if not self.mine:
            return
        segment = random.choice(self.mine)
        change = {"version": segment["version"]}
        if Found.code_ids and random.random() < 0.5:
            change["code_ids"] = random.sample(Found.code_ids, k=min(len(Found.code_ids), 2))
        else:
            change["memo"] = f"Edited under load by {self.username} ({random.randrange(10**6)})."
        with self.client.patch(f"{PLAN['api']}/segments/{segment['id']}", data=json.dumps(change),
                               headers=self._headers(), name="API segment edit", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            segment["version"] = response.json()["version"]
        self._after_write(segment["transcript_id"])

    @task(2)
    def retrieval_page(self):
        url = Found.pages.get("retrieval")
        if url:
            query = f"?code={random.choice(Found.code_ids)}" if Found.code_ids and random.random() < 0.7 else ""
            self.client.get(url + query, name="retrieval page")

    @task(1)
    def matrix_page(self):
        url = Found.pages.get("matrix")
        if url:
            self.client.get(url, name="matrix page")


def passage(text: str) -> tuple[int, int]:
    """A passage of whole words, 40 to 300 characters long (code point offsets)."""
    words = [m.span() for m in re.finditer(r"\S+", text)]
    if not words:
        return 0, len(text)
    first = random.randrange(len(words))
    last = first
    while last + 1 < len(words) and words[last][1] - words[first][0] < random.randint(40, 300):
        last += 1
    return words[first][0], words[last][1]


# --- the figures ---------------------------------------------------------------------------------
# Every request is recorded (start, name, milliseconds, failed), and the percentiles are
# computed exactly from the samples (nearest rank), for the whole run and for the steady
# state: after the last coder has signed in (the ramp-up puts 20 Argon2 sign-ins on the
# CPUs at once, which slows every request around them).

SAMPLES: list[tuple[float, str, float, bool]] = []


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception=None, start_time=None, **_kwargs):
    SAMPLES.append((start_time or time.time() - response_time / 1000, name, response_time, exception is not None))


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def figures(name: str, samples: list[tuple[float, str, float, bool]], seconds: float) -> dict:
    times = sorted(ms for _, _, ms, _ in samples)
    return {
        "name": name, "requests": len(samples), "errors": sum(failed for *_, failed in samples),
        "rps": round(len(samples) / seconds, 2) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(times, 0.50), 1), "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "mean_ms": round(sum(times) / len(times), 1) if times else 0.0, "max_ms": round(times[-1], 1) if times else 0.0,
    }


@events.quitting.add_listener
def write_result(environment, **_kwargs):
    signing_in = {SIGN_IN_FORM, SIGN_IN}
    first = min((start for start, *_ in SAMPLES), default=0.0)
    end = max((start + ms / 1000 for start, _, ms, _ in SAMPLES), default=0.0)
    seconds = end - first
    work = [s for s in SAMPLES if s[1] not in signing_in]
    ramped = max((start + ms / 1000 for start, name, ms, _ in SAMPLES if name == SIGN_IN), default=first)
    steady = [s for s in work if s[0] >= ramped]
    names = sorted({name for _, name, _, _ in SAMPLES}, key=lambda n: -sum(1 for s in SAMPLES if s[1] == n))
    result = {
        "duration_s": round(seconds, 1),
        "ramp_up_s": round(ramped - first, 1),
        "wait_between_actions_s": [0.5, 2],
        "total": figures("all requests", SAMPLES, seconds),
        "all_but_sign_in": figures("all but sign-in", work, seconds),
        "steady_state": figures("after the ramp-up", steady, end - ramped),
        "requests": [figures(name, [s for s in SAMPLES if s[1] == name], seconds) for name in names],
        "errors": [{"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                   for e in environment.runner.stats.errors.values()],
        "skipped": Found.skipped,
        "start_up_failure": Found.failed,
    }
    Path(os.environ["LOAD_RESULT"]).write_text(json.dumps(result, indent=1))
