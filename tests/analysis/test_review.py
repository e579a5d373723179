"""The review: verdicts on a transcript's coding or the codebook, and who resolves comments."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.analysis.models import Review
from apps.analysis.services import comment_resolve_checked, review_set
from apps.analysis.selectors import comments_on, review_dashboard
from apps.coding.services import comment_create
from apps.projects.models import Activity

pytestmark = pytest.mark.django_db


def test_reviewer_approves_a_transcripts_coding_and_the_researchers_see_it(project, reviewer, transcript):
    review_set(project=project, reviewer=reviewer, status="approved", transcript=transcript)
    [progress] = review_dashboard(project=project)["progress"]
    assert progress.review.status == "approved"
    assert Activity.objects.filter(project=project, verb="approved", target_type="review").exists()


def test_asking_for_changes_needs_a_note_and_the_latest_verdict_counts(project, reviewer, transcript):
    with pytest.raises(ValidationError, match="Say which changes"):
        review_set(project=project, reviewer=reviewer, status="changes_requested", note="  ")
    review_set(project=project, reviewer=reviewer, status="approved")
    review_set(project=project, reviewer=reviewer, status="changes_requested", note="Merge the two threat codes.")
    board = review_dashboard(project=project)
    assert board["codebook_review"].status == "changes_requested"
    assert board["codebook_review"].note == "Merge the two threat codes."
    assert Review.objects.filter(project=project, transcript=None).count() == 2  # the history is kept


def test_review_rejects_an_unknown_status_and_a_transcript_of_another_project(project, reviewer, other_project,
                                                                               outsider):
    from apps.transcripts.services import transcript_create

    with pytest.raises(ValidationError, match="Choose"):
        review_set(project=project, reviewer=reviewer, status="fine")
    foreign = transcript_create(project=other_project, title="Theirs", text="X: words here", created_by=outsider)
    with pytest.raises(ValidationError, match="another project"):
        review_set(project=project, reviewer=reviewer, status="approved", transcript=foreign)
    assert not Review.objects.exists()


def test_researchers_resolve_comments_and_a_reviewer_only_their_own(project, owner, coder, reviewer, threat):
    by_reviewer = comment_create(project=project, author=reviewer, text="Is this threat or interest?", code=threat)
    by_coder = comment_create(project=project, author=coder, text="Check E3 here", code=threat)
    reviewer_membership = reviewer.memberships.get(project=project)
    with pytest.raises(PermissionDenied):
        comment_resolve_checked(comment=by_coder, actor=reviewer, membership=reviewer_membership)
    comment_resolve_checked(comment=by_reviewer, actor=reviewer, membership=reviewer_membership)
    comment_resolve_checked(comment=by_coder, actor=coder, membership=coder.memberships.get(project=project))
    assert [c.resolved_at is not None for c in comments_on(project=project, code=threat)] == [True, True]
    with pytest.raises(ValidationError, match="resolved already"):
        comment_resolve_checked(comment=by_coder, actor=owner, membership=owner.memberships.get(project=project))
    comment_resolve_checked(comment=by_coder, actor=owner, membership=owner.memberships.get(project=project),
                            resolved=False)
    assert comments_on(project=project, code=threat, open_only=True) == [by_coder]


def test_open_comments_on_the_dashboard_with_their_answers(project, coder, reviewer, threat, kazakhstan):
    cell = comment_create(project=project, author=reviewer, text="Only two experts here?", code=threat,
                          case=kazakhstan)
    comment_create(project=project, author=coder, text="E5 and E6 talk about it too; coding them now.", parent=cell)
    board = review_dashboard(project=project)
    assert board["comments"] == [cell] and board["n_open_comments"] == 1
    assert [r.text for r in board["comments"][0].replies.all()] == ["E5 and E6 talk about it too; coding them now."]
    assert comments_on(project=project, code=threat, case=kazakhstan) == [cell]
    assert comments_on(project=project, code=threat) == []  # the cell's comment is not the code's
