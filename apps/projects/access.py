"""The one place that decides who may see and change a project.

Every view and API call asks `project_for` first. A user who is not a member gets a 404
(the project's existence is not revealed); a member without the needed role gets a 403.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from .compiled import model_columns, objects_prepared
from .models import Membership, Project, Role
from .sessions import membership_read_with_session

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
    membership = membership_read_with_session(user, slug) or (
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


# --- ids sent by a client ------------------------------------------------------------------

MAX_NAMED = 10          # an error message names at most this many ids (or objects)
MAX_IDS = 1000          # ids one request may send in one field
LARGEST_ID = 2**63 - 1  # a BigAutoField; larger numbers name nothing and must not reach the database
WRITTEN_READ_IDS = 100  # up to this many ids, `in_project` reads a model's rows by written SQL


def listed_briefly(items) -> str:
    """"62, 63, 64", or the first MAX_NAMED and "and 190 more": an error stays short
    whatever a client sent."""
    items = list(items)
    shown = ", ".join(str(i) for i in items[:MAX_NAMED])
    rest = len(items) - MAX_NAMED
    return f"{shown} and {rest} more" if rest > 0 else shown


def in_project(source, *, project: Project, ids, field: str, noun: str) -> list:
    """The objects that belong to `project`, for ids a client sent, in the order given
    (repeats dropped). `source` is a model (every row of the project, read by written SQL:
    compiling the filter cost more than reading the rows, on every coding click) or a
    queryset (its own filters apply).

    An id of another project's object is unknown exactly like an id that does not exist:
    the error says which of the sent ids are unknown (at most MAX_NAMED of them), never
    which exist elsewhere or what they are called, so ids cannot be probed across projects.
    """
    try:
        wanted = list(dict.fromkeys(int(i) for i in ids))
    except (TypeError, ValueError):
        raise ValidationError({field: f"{noun} are given by their numeric ids"}) from None
    if len(wanted) > MAX_IDS:
        raise ValidationError({field: f"at most {MAX_IDS} {noun} at once"})
    valid = [i for i in wanted if 0 < i <= LARGEST_ID]
    if isinstance(source, QuerySet) or len(valid) > WRITTEN_READ_IDS:
        queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
        found = queryset.filter(project=project).in_bulk(valid)  # in batches a database takes
    elif valid:
        table = connection.ops.quote_name(source._meta.db_table)
        placeholders = ", ".join(["%s"] * len(valid))
        found = {row.pk: row for row in objects_prepared(
            source, f"SELECT {model_columns(source)} FROM {table} WHERE project_id = %s AND id IN ({placeholders})",
            [project.pk, *valid])}
    else:
        found = {}
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise ValidationError({field: f"unknown {noun}: {listed_briefly(unknown)}"})
    return [found[i] for i in wanted]


def one_in_project(queryset, *, project: Project, pk, field: str, noun: str):
    """`in_project` for one id: the object, or a ValidationError naming only the id."""
    return in_project(queryset, project=project, ids=[pk], field=field, noun=noun)[0]
