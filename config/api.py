"""The JSON API root (django-ninja): /api/, described by OpenAPI at /api/docs.

Session auth with CSRF for the browser. Routes raise; the handlers here turn what they
raise into JSON with a reason, {"detail": ..., ...} (apps/projects/responses.py): 404 for
objects of projects the user is not in, 403 for a role that may not act, 409 for a stale
version (with the current state), 422 for invalid input, 500 for an error nobody expected
(logged with its traceback). Errors answered before the API runs (an unknown route, a
method a route does not take, text no database can store) are JSON too: see
config/middleware.py.
"""
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signals import got_request_exception
from ninja import NinjaAPI
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import SessionAuth

from apps.coding.services import StaleVersion
from apps.comparison.services import StaleJudgment
from apps.transcripts.services import StaleTranscript

api = NinjaAPI(
    title="Casecoder API",
    version="1.0",
    description="Transcripts, codes, segments, cases and analyses of a Casecoder project.",
    auth=SessionAuth(csrf=True),
    urls_namespace="api",
)


def validation_messages(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages_] for field, messages_ in error.message_dict.items()}
    return {"__all__": error.messages}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    errors = validation_messages(exc)
    detail = "; ".join(f"{m}" for ms in errors.values() for m in ms)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


MAX_REASONS = 10
_PARAMETER_SOURCES = {"body", "query", "path", "form", "file", "cookie", "header", "payload", "filters"}


@api.exception_handler(RequestInvalid)
def on_request_invalid(request, exc):
    """A request that does not fit the schema answers in the shape of every other 422
    (`detail` a sentence, `errors` by field), naming at most MAX_REASONS problems."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = [str(part) for part in error.get("loc", ()) if str(part) not in _PARAMETER_SOURCES]
        errors.setdefault(".".join(where) or "request", []).append(error.get("msg", "invalid"))
    reasons = [f"{field}: {message}" for field, messages in errors.items() for message in messages]
    detail = "; ".join(reasons[:MAX_REASONS]) + (f"; and {len(reasons) - MAX_REASONS} more"
                                                 if len(reasons) > MAX_REASONS else "")
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


def conflict(request, exc, **current):
    """409: why, and the object's state now, for the client to reload or merge."""
    reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return api.create_response(request, {"detail": reason, **current}, status=409)


@api.exception_handler(StaleVersion)
def on_stale_version(request, exc):
    from apps.coding.api import segment_out

    return conflict(request, exc, current=segment_out(exc.current))


@api.exception_handler(StaleJudgment)
def on_stale_judgment(request, exc):
    from apps.comparison.api import judgment_out

    return conflict(request, exc, current=judgment_out(exc.current))


@api.exception_handler(StaleTranscript)
def on_stale_transcript(request, exc):
    return conflict(request, exc, version=exc.current.version)


@api.exception_handler(Exception)
def on_unexpected_error(request, exc):
    """A bug, not bad input: logged like Django logs a page's 500 (with the traceback, to
    the mail of the admins if set up), reported to the listeners of got_request_exception
    (the test client re-raises it there), and answered as JSON that reveals nothing inside."""
    logging.getLogger("django.request").error("Internal Server Error: %s", request.path, exc_info=exc,
                                              extra={"status_code": 500, "request": request})
    got_request_exception.send(sender=None, request=request)
    return api.create_response(request, {"detail": "Internal error: it was logged; please try again later."},
                               status=500)


def register_routers() -> None:
    """Each app owns its routes under /api/projects/{slug}/..."""
    from apps.analysis.api import router as analysis_router
    from apps.comparison.api import router as comparison_router
    from apps.cases.api import router as cases_router
    from apps.coding.api import router as coding_router
    from apps.exports.api import router as exports_router
    from apps.media.api import router as media_router
    from apps.projects.api import jobs_router
    from apps.projects.api import router as projects_router
    from apps.search.api import router as search_router
    from apps.suggestions.api import router as suggestions_router
    from apps.transcripts.api import router as transcripts_router

    for router in (transcripts_router, media_router, cases_router, coding_router, analysis_router, comparison_router,
                   exports_router, search_router, suggestions_router, projects_router):
        api.add_router("/projects/", router)
    api.add_router("/", jobs_router)


register_routers()
