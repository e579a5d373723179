"""A small HTTP client for the harness: one kept-alive connection, cookies, JSON and forms.

Both servers are timed through the same client, so that its own cost is the same for both.
"""
from __future__ import annotations

import http.client
import json
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode


class HttpError(RuntimeError):
    pass


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float

    def json(self):
        return json.loads(self.body)


class Client:
    def __init__(self, host: str, port: int, *, csrf_cookie: str, csrf_header: str, referer: bool = False):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.csrf_cookie, self.csrf_header = csrf_cookie, csrf_header
        self.referer = referer
        self.connection = http.client.HTTPConnection(host, port, timeout=300)

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None,
                expect: tuple[int, ...] = (200,)) -> Answer:
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "*/*"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD") and self.csrf_cookie in self.cookies:
            headers[self.csrf_header] = self.cookies[self.csrf_cookie]
        if self.referer:
            headers["Referer"] = f"http://{self.host}:{self.port}/"
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, ConnectionError):
            # The server closed a kept-alive connection: open a new one once, as a browser does.
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
            started = time.perf_counter()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        ms = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if response.status not in expect:
            raise HttpError(f"{method} {path}: {response.status} {data[:300]!r}")
        return Answer(response.status, dict(response.headers), data, ms)

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def json(self, method: str, path: str, document, **kwargs) -> Answer:
        return self.request(method, path, body=json.dumps(document).encode(), content_type="application/json",
                            **kwargs)

    def form(self, path: str, fields: dict[str, str], **kwargs) -> Answer:
        return self.request("POST", path, body=urlencode(fields).encode(),
                            content_type="application/x-www-form-urlencoded", **kwargs)

    def multipart(self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes, str]],
                  **kwargs) -> Answer:
        """files: (field, filename, content, content type)."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for field, filename, content, kind in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                         f"Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, body=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}",
                            **kwargs)

    def close(self) -> None:
        self.connection.close()
