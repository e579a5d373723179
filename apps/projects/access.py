"""The one place that decides who may see and change a project.

Every view and API call asks `project_for` first. A user who is not a member gets a 404
(the project's existence is not revealed); a member without the needed role gets a 403.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Project, Role

# What each action needs. Reviewers read everything and comment but change no coding.
READ = "read"
COMMENT = "comment"
CODE = "code"
OWN = "own"
REVIEW = "review"  # approve, or ask for changes: reviewers only (researchers do not approve their own coding)

ALLOWED_ROLES = {
    READ: {Role.OWNER, Role.CODER, Role.REVIEWER},
    COMMENT: {Role.OWNER, Role.CODER, Role.REVIEWER},
    CODE: {Role.OWNER, Role.CODER},
    OWN: {Role.OWNER},
    REVIEW: {Role.REVIEWER},
}


def membership_for(user, project: Project) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(project=project, user=user).first()


def project_for(user, slug: str, action: str = READ) -> Project:
    """The project `slug` if `user` may do `action` in it; the membership is on `project.membership`."""
    if not user.is_authenticated:
        raise Http404("No such project.")
    membership = (
        Membership.objects.select_related("project").filter(project__slug=slug, user=user).first()
    )
    if membership is None:
        raise Http404("No such project.")
    require(membership, action)
    project = membership.project
    project.membership = membership
    return project


def require(membership: Membership, action: str) -> None:
    if membership.role not in ALLOWED_ROLES[action]:
        raise PermissionDenied(f"Your role ({membership.role}) may not {action} in this project.")


def can(membership: Membership | None, action: str) -> bool:
    return membership is not None and membership.role in ALLOWED_ROLES[action]
