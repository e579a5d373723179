"""How a request that cannot be served is answered, the same way in every app.

Pages answer 400, 403, 404, 409 and 422 through `error_page`, which renders
templates/error.html with the reason; Django's own 400, 403 and 404 answers (a
PermissionDenied or Http404 raised by `project_for` or `get_object_or_404`) come here too,
through the handlers config/urls.py names. A page that can show the user's input again (a
form with its errors) re-renders itself with the status instead.

API routes never build an error answer: they raise (ValidationError: 422, PermissionDenied:
403, Http404: 404, a stale version: 409), and config/api.py turns the exception into
`{"detail": reason, ...}`, the body `ErrorOut` documents.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import render
from ninja import Schema

TITLES = {
    400: "Cannot do this",
    403: "Not allowed",
    404: "Not found",
    409: "Changed meanwhile",
    422: "Cannot use this input",
}


def error_page(request, status: int, reason: str, *, project=None) -> HttpResponse:
    """A page saying why the request was not served, with a way back (to `project`, if given)."""
    response = render(request, "error.html", {"title": TITLES[status], "reason": reason, "project": project},
                      status=status)
    response.is_error_page = True  # config.middleware.NotFoundPageMiddleware leaves it as it is
    return response


def form_reason(form: Form) -> str:
    """Every error of a form as one line, by field name: what the error page says."""
    return "; ".join(f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
                     for field, errors in form.errors.items())


def _message(exception, default: str) -> str:
    """The reason an exception was raised with; Django's URL resolver raises a dict, not a reason."""
    message = exception.args[0] if exception is not None and exception.args else None
    return message if isinstance(message, str) and message else default


def bad_request(request, exception=None) -> HttpResponse:
    return error_page(request, 400, _message(exception, "The request could not be understood."))


def permission_denied(request, exception=None) -> HttpResponse:
    return error_page(request, 403, _message(exception, "Your role may not do this."))


def page_not_found(request, exception=None) -> HttpResponse:
    return error_page(request, 404, _message(exception, "There is no page at this address."))


class ErrorOut(Schema):
    """The body of every error answer of the API."""

    detail: str
    errors: dict[str, list[str]] | None = None


# The error answers a route that writes documents (a stale version adds its own 409).
WRITE_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def valid_data(form: Form) -> dict:
    """The form's cleaned data; invalid input raises its reasons by field (the API answers 422)."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data
