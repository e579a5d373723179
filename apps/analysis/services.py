"""Writes of the review: a reviewer's verdict on a transcript's coding or on the codebook,
and comments on segments, codes and matrix cells, answered and resolved by researchers.

Comments are stored by the coding app's `comment_create` / `comment_resolve`; this module
adds who may resolve one. (The comparison's writes are in services.py.)
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.coding.models import Comment
from apps.coding.services import comment_resolve
from apps.projects.access import CODE, can
from apps.projects.limits import DESCRIPTION, check_limits
from apps.projects.models import Membership, Project
from apps.projects.services import activity_record
from apps.transcripts.models import Transcript

from .models import Review


@transaction.atomic
def review_set(*, project: Project, reviewer, status: str, note: str = "",
               transcript: Transcript | None = None) -> Review:
    """Mark a transcript's coding (or, without a transcript, the codebook) approved or
    changes requested. Asking for changes needs a note that says what to change."""
    if status not in Review.Status.values:
        raise ValidationError({"status": f"Choose {' or '.join(repr(s) for s in Review.Status.values)}, "
                                         f"not {status!r}."})
    note = (note or "").strip()
    if status == Review.Status.CHANGES_REQUESTED and not note:
        raise ValidationError({"note": "Say which changes you ask for."})
    check_limits(note=(note, DESCRIPTION))
    if transcript is not None and transcript.project_id != project.pk:
        raise ValidationError({"transcript": "That transcript belongs to another project."})
    review = Review.objects.create(project=project, transcript=transcript, status=status, note=note,
                                   reviewer=reviewer)
    subject = transcript.title if transcript is not None else "the codebook"
    activity_record(project=project, actor=reviewer, verb=review.get_status_display().lower(), target=review,
                    summary=f"{subject}: {note[:200]}" if note else subject, after={"status": status, "note": note})
    return review


def comment_resolve_checked(*, comment: Comment, actor, membership: Membership, resolved: bool = True) -> Comment:
    """Resolve (or reopen) a comment: researchers do, and so may the comment's author."""
    if comment.parent_id is not None:
        raise ValidationError({"comment": "Resolve the comment itself, not an answer to it."})
    if not can(membership, CODE) and comment.author_id != actor.pk:
        raise PermissionDenied("Only the researchers or the comment's author resolve a comment.")
    if resolved == (comment.resolved_at is not None):
        state = "resolved" if resolved else "open"
        raise ValidationError({"comment": f"The comment is {state} already."})
    return comment_resolve(comment=comment, actor=actor, resolved=resolved)
