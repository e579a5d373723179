"""Security headers Django does not set by itself; text checks at the edge; JSON errors
for the API.

Content-Security-Policy: scripts only from our own origin (ES modules under /static/js/,
no inline scripts, no eval, no CDN); fetch only to our own origin; no plugins, no
framing, forms post only to us. Styles: stylesheets only from our own origin
(`style-src-elem 'self'`), while style *attributes* are allowed (`style-src-attr
'unsafe-inline'`): the templates pass colours and depths as custom properties, e.g.
`style="--swatch: #d1495b"`, and the code tree uses `--depth`. An attribute cannot load
anything or run script; inline <style> elements stay forbidden. Browsers without CSP
level 3 fall back to `style-src`, which therefore allows inline styles too.

Pages of signed-in users are confidential research data: they are not stored by shared
caches or the browser's disk cache (`Cache-Control: private, no-store`) unless a view
set its own caching.
"""
import json
import re
from collections.abc import Iterator
from http import HTTPStatus

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, JsonResponse

from apps.projects.responses import page_not_found

DEFAULT_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "style-src-elem 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CASECODER_CSP", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response


API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


# --- text a database cannot store ---------------------------------------------------------

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
JSON_TYPES = ("application/json", "+json")


def _unstorable(text: str) -> str | None:
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    return "a NUL character" if match.group() == "\x00" else "a lone surrogate (\\ud800-\\udfff)"


def _json_texts(document) -> Iterator[tuple[str, str]]:
    """(where, text) for every key and string of a parsed JSON body."""
    stack = [("", document)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield f"JSON field {path or 'body'!r}", item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield "A JSON key", key
                stack.append((f"{path}.{key}" if path else key, inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))


def _request_texts(request) -> Iterator[tuple[str, str]]:
    """(where, text) for every text of a request that a view may read."""
    yield "The address", request.path_info
    for name, values in request.GET.lists():
        yield "A query parameter's name", name
        yield from ((f"Query parameter {name!r}", v) for v in values)
    for name, value in request.COOKIES.items():
        yield "A cookie", name + value
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH") and content_type in ("multipart/form-data",
                                                                     "application/x-www-form-urlencoded"):
        for name, values in request.POST.lists():
            yield "A form field's name", name
            yield from ((f"Form field {name!r}", v) for v in values)
        for name, upload in request.FILES.items():
            yield f"The name of file {name!r}", upload.name or ""
    elif content_type.endswith(JSON_TYPES) and request.body:
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # not JSON at all: the API says so itself
        yield from _json_texts(document)


def request_text_problem(request) -> str | None:
    """Why a request carries text that no database can store, or None."""
    for where, text in _request_texts(request):
        problem = _unstorable(text)
        if problem:
            return f"{where} contains {problem}, which cannot be stored."
    return None


class RequestTextMiddleware:
    """Text is checked at the edge, once for every view: a NUL character (PostgreSQL
    refuses it) or a lone UTF-16 surrogate such as "\\ud800" (it has no UTF-8 form) in the
    address, the query, a form field, a file name, a cookie or a JSON body is refused before
    any view reads it: 422 with {"detail": reason} from the API, 400 with the reason from a
    page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = request_text_problem(request)
        if problem is None:
            return self.get_response(request)
        if is_api_request(request):
            return JsonResponse({"detail": problem}, status=422)
        return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")


# --- the API answers JSON ----------------------------------------------------------------

def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return f"Error {status}."


class ApiErrorsAsJsonMiddleware:
    """Every error of the API is JSON with a reason, also those answered before the API's
    own handlers run: an unknown route (404), a method the route does not take (405), a
    request Django refused (400: a bad Host header, a broken upload) or an error outside
    the API (500, logged by Django as usual)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code < 400 or not is_api_request(request)
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        reasons = {
            404: f"There is no API route {request.path_info}.",
            405: f"{request.method} is not allowed here; use {response.get('Allow', 'another method')}.",
        }
        detail = reasons.get(response.status_code) or _phrase(response.status_code)
        answer = JsonResponse({"detail": detail}, status=response.status_code)
        if "Allow" in response:
            answer["Allow"] = response["Allow"]
        return answer


# --- the app's 404 page under DEBUG too ------------------------------------------------------

class NotFoundPageMiddleware:
    """Under DEBUG (`make run`) Django answers a 404 with its technical page, whose inline
    styles the Content-Security-Policy blocks: a researcher saw a bare list of URL patterns.
    This answers it with the app's own page and the view's reason, as in production (where
    handler404 does it already); the API keeps its JSON. It sits inside CommonMiddleware,
    whose APPEND_SLASH redirect still applies, and inside authentication, so that the page
    shows who is signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code == 404 and not is_api_request(request)
                and not getattr(response, "is_error_page", False)
                and response.get("Content-Type", "").startswith("text/html")):
            return page_not_found(request, getattr(request, "not_found", None))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            request.not_found = exception  # its reason, for the page; Django still answers it
        return None
