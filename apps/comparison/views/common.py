"""What every comparison page shares: whose judgments it shows, its context, messages."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from apps.projects.access import CODE, can

from .. import selectors


def judge_chosen(request, project, known):
    """The judge whose judgments the page shows (`?judge=`, else see `selectors.judge_for`)."""
    return selectors.judge_for(project=project, user=request.user, username=request.GET.get("judge"), known=known)


def all_coders_asked(request) -> bool:
    """`?all_coders=1`: the evidence of every coder, not only the primary coding."""
    return request.GET.get("all_coders", "").lower() in ("1", "true", "on", "yes")


def page_context(request, project, tab, **extra) -> dict:
    return {"project": project, "tab": tab, "nav": "comparison", "can_judge": can(project.membership, CODE), **extra}


def show_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)
