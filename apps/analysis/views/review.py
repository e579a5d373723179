"""The review: the supervisor's dashboard, verdicts on a transcript's coding or the
codebook, and comments (with answers) that are resolved or reopened."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.coding import services as coding_services
from apps.coding.models import Comment
from apps.coding.selectors import code_tree
from apps.projects.access import CODE, COMMENT, REVIEW, can, project_for
from apps.projects.responses import error_page

from .. import selectors, services
from ..forms import CommentForm, ReviewForm, first_error
from ..models import Review
from .common import download_links


@login_required
def review(request, slug):
    project = project_for(request.user, slug)
    context = selectors.review_dashboard(project=project)
    context.update({
        "nav": "review",
        "can_review": can(project.membership, REVIEW),
        "can_comment": can(project.membership, COMMENT),
        "can_code": can(project.membership, CODE),
        "statuses": Review.Status.choices,
        "codes": code_tree(project=project, counts=False),
        "downloads": download_links(request, slug, "progress"),
    })
    return render(request, "analysis/review.html", context)


def _back(request, slug):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("review_dashboard", slug=slug)


@login_required
@require_POST
def review_status(request, slug):
    project = project_for(request.user, slug, REVIEW)
    form = ReviewForm(request.POST, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data
    try:
        services.review_set(project=project, reviewer=request.user, status=p["status"], note=p["note"],
                            transcript=p["transcript"])
    except ValidationError as error:
        return error_page(request, 400, "; ".join(error.messages), project=project)
    subject = p["transcript"].title if p["transcript"] else "The codebook"
    messages.success(request, f"{subject}: {dict(Review.Status.choices)[p['status']].lower()}.")
    return _back(request, slug)


@login_required
@require_POST
def comment_add(request, slug):
    project = project_for(request.user, slug, COMMENT)
    form = CommentForm(request.POST, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data
    try:
        coding_services.comment_create(project=project, author=request.user, text=p["text"], code=p["code"],
                                       case=p["case"], transcript=p["transcript"], segment=p["segment"],
                                       parent=p["parent"])
    except ValidationError as error:
        return error_page(request, 400, "; ".join(error.messages), project=project)
    messages.success(request, "Your answer is posted." if p["parent"] else "Your comment is posted.")
    return _back(request, slug)


@login_required
@require_POST
def comment_resolve(request, slug, pk):
    project = project_for(request.user, slug, COMMENT)
    comment = get_object_or_404(Comment, project=project, pk=pk)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        services.comment_resolve_checked(comment=comment, actor=request.user, membership=project.membership,
                                         resolved=resolved)
    except ValidationError as error:
        return error_page(request, 400, "; ".join(error.messages), project=project)
    messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
    return _back(request, slug)
