"""Writes of the search: its index of the transcripts' text, coding every hit (and
undoing that), and saved searches."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from apps.cases.models import Case
from apps.coding.models import Code, Segment
from apps.coding.services import codes_check, pluralize, segments_create_many, segments_delete_many
from apps.projects.models import Activity, Job, Project
from apps.projects.services import (
    activity_record,
    job_create,
    job_finish,
    job_progress,
    job_start,
    job_work,
    jobs_requeue_abandoned,
)
from apps.transcripts.models import Transcript, Turn
from apps.transcripts.text import TurnSpan

from . import backends
from .index import passage_rows
from .models import CodingBatch, SavedSearch
from .selectors import (
    EXTEND_LABELS,
    SEARCH_INDEX,
    CodeAllPlan,
    SearchParams,
    code_all_plan,
    hit_keys_valid,
    saved_search_changes,
    search_hits,
)

# --- the index --------------------------------------------------------------------------------

# A text longer than this is indexed by the task worker once its writer has committed: on
# PostgreSQL the trigram index of a 20 MB text alone takes about 4 s, which the import of
# the text (or an edit of it) should not wait for. Until then the search skips the text and
# says so; the demo's and a thesis's transcripts (20,000 characters) are indexed at once.
INDEX_LATER_CHARS = 1_000_000


def passages_store(*, transcript: Transcript, turns: Iterable[TurnSpan], replace: bool = True) -> None:
    """Store the passages of one transcript from its text and turns (the spans stored as
    its Turn rows, turn n being the n-th), in place of those it had (`replace`; a new
    transcript has none). The receiver of `transcript_text_stored`
    calls it in the writer's transaction. A text over INDEX_LATER_CHARS loses its old
    passages now (they would place hits on a text that is gone) and gets its new ones from
    a job queued in the same transaction."""
    if len(transcript.text) > INDEX_LATER_CHARS:
        if replace:
            with connection.cursor() as cursor:
                backends.passages_delete(cursor, [transcript.pk])
        passages_index_later(transcript=transcript)
        return
    rows = passage_rows(project_id=transcript.project_id, transcript_id=transcript.pk, text=transcript.text,
                        turns=[(n, t.start, t.end) for n, t in enumerate(turns, start=1)])
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if replace:
            backends.passages_delete(cursor, [transcript.pk])
        backends.passages_insert(cursor, rows)


@transaction.atomic
def passages_rebuild(*, transcript_ids: Sequence[int] | None = None, project: Project | None = None,
                     batch: int = 50) -> int:
    """Store the passages of many transcripts anew (all of them, a project's, or the given
    ones): for writers that send no signals (bulk loads) and for `manage.py search_index`.
    Returns the number of transcripts."""
    transcripts = Transcript.objects.order_by("pk")
    if project is not None:
        transcripts = transcripts.filter(project=project)
    if transcript_ids is not None:
        transcripts = transcripts.filter(pk__in=list(transcript_ids))
    ids = list(transcripts.values_list("pk", flat=True))
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        turns: dict[int, list[tuple[int, int, int]]] = {}
        for tid, number, start, end in (Turn.objects.filter(transcript_id__in=chunk).order_by("number")
                                        .values_list("transcript_id", "number", "start", "end")):
            turns.setdefault(tid, []).append((number, start, end))
        rows = []
        for tid, project_id, text in Transcript.objects.filter(pk__in=chunk).values_list("pk", "project_id", "text"):
            rows += passage_rows(project_id=project_id, transcript_id=tid, text=text, turns=turns.get(tid, []))
        with connection.cursor() as cursor:
            backends.passages_delete(cursor, chunk)
            backends.passages_insert(cursor, rows)
    return len(ids)


def passages_index_later(*, transcript: Transcript) -> Job:
    """Queue the indexing of one transcript's text for the task worker, as a job its
    importer finds among their jobs."""
    from .tasks import passages_index_task  # the task module imports this one

    job = job_create(user=transcript.created_by, kind=SEARCH_INDEX, project=transcript.project,
                     label=f"Search index of “{transcript.title}”")
    job.result = {"transcript": transcript.pk}  # what a re-run needs; replaced by the outcome
    job.save(update_fields=["result"])
    passages_index_task.enqueue(job_id=job.pk, transcript_id=transcript.pk)
    return job


def passages_index_job_run(*, job: Job, transcript_id: int) -> None:
    """Index one transcript's text for a queued job, and mark the job done in the same
    transaction; run again (a worker died), it stores the passages once."""
    if not job_start(job=job):
        return
    with job_work(job, what="Indexing", after_failure="The search skips this text until `manage.py search_index` "
                                                    "indexes it."), transaction.atomic():
        job_progress(job=job, step="Indexing the text for search", done=0, total=1)
        indexed = passages_rebuild(transcript_ids=[transcript_id])
        job_finish(job=job, result={"transcript": transcript_id, "indexed": indexed})


def passages_index_requeue_abandoned(*, older_than) -> list[Job]:
    """Queue again the indexing a dead worker left running (no progress for `older_than`)."""
    from .tasks import passages_index_task

    jobs = jobs_requeue_abandoned(older_than=older_than, kind=SEARCH_INDEX)
    for job in jobs:
        passages_index_task.enqueue(job_id=job.pk, transcript_id=int(job.result.get("transcript") or 0))
    return jobs


# --- coding every hit ---------------------------------------------------------------------------

@transaction.atomic
def code_all(*, project: Project, params: SearchParams, code: Code, coder, extend: str = "hit", value: str = "",
             cases: Sequence[Case] = (), selected: Sequence[str] | None = None) -> tuple[CodingBatch, CodeAllPlan]:
    """Code every hit of a search (or the `selected` hit keys) with `code`, an optional
    value on its scale and cases, each hit extended as `extend` says (selectors.EXTENDS).
    The plan is the preview's (`selectors.code_all_plan`): hits already coded with the code
    are skipped, hits that extend to the same passage make one segment. The segments are
    written by the coding app's rules (segments_create_many); the batch is one entry of
    the history and one undo (`code_all_undo`)."""
    if selected is not None:
        selected = hit_keys_valid(selected)
    cases = list(cases)
    codes_check(project_id=project.pk, codes=[code], values={code.pk: value} if value else {})
    plan = code_all_plan(project=project, params=params, code=code, extend=extend, coder=coder, selected=selected)
    segments = segments_create_many(spans=[(plan.transcripts[t], s, e) for t, s, e in plan.spans], coder=coder,
                                    codes=[code], values={code.pk: value} if value else {}, cases=cases)
    what = f"{len(segments)} passage{pluralize(len(segments))} coded with '{code.name}'"
    activity = activity_record(
        project=project, actor=coder, verb="coded hits", target=code,
        summary=f"{what} from the search “{params.q[:80]}” ({EXTEND_LABELS[extend]}; {plan.skipped} coded already)",
        after={**plan.counts(), "search": params.q, "extend": extend, "code": code.name, "value": value,
               "cases": sorted(c.name for c in cases)})
    batch = CodingBatch.objects.create(project=project, activity=activity, code=code, params=params.as_dict(),
                                       extend=extend, coder=coder)
    batch.segments.through.objects.bulk_create(
        [batch.segments.through(codingbatch_id=batch.pk, segment_id=s.pk) for s in segments], batch_size=1000)
    return batch, plan


@transaction.atomic
def code_all_undo(*, project: Project, activity: Activity, actor) -> int:
    """Move the segments of one code-all batch (the history entry `activity`) to the
    trash, all together, and record that as one entry; returns how many went. Segments
    of the batch already in the trash stay there; nothing else is touched."""
    batch = CodingBatch.objects.select_for_update().filter(project=project, activity=activity).first()
    if batch is None:
        raise ValidationError({"batch": "That history entry is not a coding of search hits."})
    if batch.undone_at is not None:
        raise ValidationError({"batch": "This coding of search hits was undone already."})
    trashed = segments_delete_many(segments=list(Segment.objects.filter(pk__in=batch.segments.values("pk"))),
                                   actor=actor)
    batch.undone_at, batch.undone_by = timezone.now(), actor
    batch.save(update_fields=["undone_at", "undone_by"])
    name = batch.code.name if batch.code else "a deleted code"
    activity_record(project=project, actor=actor, verb="undid coding hits", target=batch.code,
                    target_type="" if batch.code else "code",
                    summary=f"{len(trashed)} passage{pluralize(len(trashed))} coded with '{name}' from the search "
                            f"“{batch.params.get('q', '')[:80]}” moved to the trash",
                    before={"segments": len(trashed), "batch": activity.pk})
    return len(trashed)


# --- saved searches -------------------------------------------------------------------------------

def _check_name(project: Project, name: str, exclude: SavedSearch | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "A saved search needs a name."})
    if len(name) > SavedSearch._meta.get_field("name").max_length:
        raise ValidationError({"name": "A name has at most 200 characters."})
    taken = SavedSearch.objects.filter(project=project, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": f"A saved search called '{name}' exists already."})
    return name


@transaction.atomic
def saved_search_create(*, project: Project, name: str, params: SearchParams, actor) -> SavedSearch:
    """Save a search to run again later; its hits now are remembered as its first run."""
    name = _check_name(project, name)
    hits = search_hits(project=project, params=params).hits  # the query must parse
    saved = SavedSearch.objects.create(project=project, name=name, params=params.as_dict(), created_by=actor,
                                       last_run_at=timezone.now(), last_hit_keys=[h.key for h in hits])
    activity_record(project=project, actor=actor, verb="saved search", target_type="search", target=None,
                    summary=f"{name}: “{params.q[:80]}” ({len(hits)} hit{pluralize(len(hits))})")
    return saved


@transaction.atomic
def saved_search_remember(*, saved: SavedSearch, actor) -> dict:
    """Run a saved search again and remember its hits, so that the next run shows what
    changed since this one. Returns the new hits' keys and how many went."""
    hits = search_hits(project=saved.project, params=SearchParams.from_dict(saved.params)).hits
    changes = saved_search_changes(saved=saved, hits=hits)
    saved.last_hit_keys = [h.key for h in hits]
    saved.last_run_at = timezone.now()
    saved.save(update_fields=["last_hit_keys", "last_run_at"])
    return {**changes, "count": len(hits)}


@transaction.atomic
def saved_search_delete(*, saved: SavedSearch, actor) -> None:
    activity_record(project=saved.project, actor=actor, verb="deleted saved search", target_type="search",
                    summary=saved.name)
    saved.delete()
