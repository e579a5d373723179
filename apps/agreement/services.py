"""Settling a disagreement between coders: keep one coder's coding, or merge the codings
into one; every change goes through the segment services (versions, trash, history). And
the suggestion engine's evaluation as a coder, run as a job by the task worker."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.coding.models import Code, Segment
from apps.coding.services import StaleVersion, coding_settle, segment_delete, segment_update
from apps.projects.models import Job, Project
from apps.projects.services import job_create, job_finish, job_progress, job_start, job_work

from .selectors import ENGINE_AGREEMENT, engine_agreement

KEEP = "keep"
MERGE = "merge"
DISCARD = "discard"
ACTIONS = (KEEP, MERGE, DISCARD)


def _uncode(segment: Segment, code: Code, version: int, actor) -> None:
    """Take `code` off the segment; a segment left with no code and no case goes to the trash."""
    codings = list(segment.codings.all())
    if not any(c.tag_id == code.pk for c in codings):
        raise ValidationError({"segments": f"A segment no longer carries '{code.name}'; reload the page."})
    rest = [c for c in codings if c.tag_id != code.pk]
    if rest or segment.cases.exists():
        segment_update(segment=segment, version=version, actor=actor, codes=[c.tag for c in rest],
                       values={c.tag_id: c.value for c in rest})
    else:
        segment_delete(segment=segment, version=version, actor=actor)


@transaction.atomic
def passage_settle(*, action: str, code: Code, segments: Sequence[Segment], versions: Mapping[int, int], actor,
                   keep: Segment | None = None) -> Segment | None:
    """Settle a passage on which coders differ.

    keep:    `keep` stays as it is; the code comes off the other segments.
    merge:   `keep` grows to cover all the segments; the code comes off the others.
    discard: the code comes off every segment (nobody's coding stands).
    `versions` are the versions the user saw (segment id -> version): a change since
    raises StaleVersion and nothing is changed. The kept coding is marked settled, so it
    counts as primary in the appendix, the matrix and the comparison. Segments with other codes or cases keep
    them; a segment left with nothing goes to the trash, from where owners can restore it.
    """
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action {action!r}; choose one of {', '.join(ACTIONS)}."})
    segments = list(segments)
    if not segments:
        raise ValidationError({"segments": "Choose the segments of the passage."})
    if any(s.project_id != code.project_id for s in segments):
        raise ValidationError({"segments": "The segments belong to another project."})
    if len({s.transcript_id for s in segments}) > 1:
        raise ValidationError({"segments": "The segments of a passage lie in one transcript."})
    missing = [s.pk for s in segments if s.pk not in versions]
    if missing:
        raise ValidationError({"versions": f"The version of segment {missing[0]} is missing."})
    if action == DISCARD:
        for segment in segments:
            _uncode(segment, code, versions[segment.pk], actor)
        return None
    if keep is None or keep.pk not in {s.pk for s in segments}:
        raise ValidationError({"keep": "Choose which of the passage's segments to keep."})
    if keep.version != versions[keep.pk]:
        raise StaleVersion(keep)
    others = [s for s in segments if s.pk != keep.pk]
    for segment in others:
        _uncode(segment, code, versions[segment.pk], actor)
    if action == MERGE:
        start, end = min(s.start for s in segments), max(s.end for s in segments)
        if (start, end) != (keep.start, keep.end):
            keep = segment_update(segment=keep, version=versions[keep.pk], actor=actor, start=start, end=end)
    coding_settle(segment=keep, code=code)
    return keep


# --- the engine as a coder, off the request --------------------------------------------------

@transaction.atomic
def engine_agreement_job_create(*, project: Project, user) -> Job:
    """Queue the evaluation of the suggestion engine against the primary coder (seconds of
    work: one fit per code and transcript) for the task worker; the job and its task are
    committed together."""
    from .tasks import engine_agreement_task  # the task module imports this one

    job = job_create(user=user, kind=ENGINE_AGREEMENT, label=f"The engine as a coder in {project.name}",
                     project=project)
    engine_agreement_task.enqueue(job_id=job.pk)
    return job


def engine_agreement_job_run(*, job: Job) -> None:
    """Run the evaluation and keep its figures in the job (what the page shows); run again
    after it ended, it does nothing."""
    if job.project is None or not job_start(job=job):
        return
    with job_work(job, what="The evaluation"):
        job_progress(job=job, step="Evaluating the codes")
        report = engine_agreement(project=job.project, progress=lambda done, total: job_progress(
            job=job, step="Evaluating the codes", done=done, total=total))
        job_finish(job=job, result=report.as_json())
