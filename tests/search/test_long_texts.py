"""A long text (over a million characters, like a 20 MB government transcript) is indexed
by the task worker once its import has committed, so that the import does not wait for the
index: the search says which texts it has not read yet, and finds them once the job ran."""
from __future__ import annotations

import pytest
from django.urls import reverse

from apps.projects.models import Job
from apps.search.models import Passage
from apps.search.selectors import SEARCH_INDEX, texts_being_indexed
from apps.search.services import INDEX_LATER_CHARS
from apps.search.tasks import passages_index_task
from apps.transcripts.services import expert_create, transcript_create
from tests.search.conftest import found


def long_text(word: str) -> str:
    """Turns of an interview, over INDEX_LATER_CHARS characters, with `word` once near the end."""
    turn = "E9: The base at Kant was a matter for Moscow and for the alliance as a whole. " * 12
    turns = [f"Interviewer: Question {i}?\n\n{turn}" for i in range(INDEX_LATER_CHARS // len(turn) + 2)]
    turns[-1] += f" In the end {word} decided."
    return "\n\n".join(turns)


def hearing(project, owner):
    return transcript_create(project=project, title="Hearing of 2022", text=long_text("Nazarbayev"), created_by=owner,
                             expert=expert_create(project=project, pseudonym="E9", actor=owner), expert_speaker="E9")


@pytest.fixture
def tasks_wait_for_a_worker(settings):
    """Tasks go to the database queue and stay there: no worker runs in these tests."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_short_text_is_indexed_in_its_own_transaction(project, owner, study):
    assert found(project, "Osh")
    assert not Job.objects.filter(kind=SEARCH_INDEX).exists()


@pytest.mark.usefixtures("tasks_wait_for_a_worker")
def test_a_long_text_waits_for_the_worker_and_the_search_says_so(client, project, owner, study):
    long = hearing(project, owner)
    assert len(long.text) > INDEX_LATER_CHARS
    assert not Passage.objects.filter(transcript=long).exists()
    assert found(project, "Nazarbayev") == []
    job = Job.objects.get(kind=SEARCH_INDEX)
    assert (job.status, job.project, job.user) == (Job.Status.QUEUED, project, owner)
    assert texts_being_indexed(project=project) == ["Hearing of 2022"]
    client.force_login(owner)
    page = client.get(reverse("search", args=[project.slug]), {"q": "Nazarbayev"})
    assert "Hearing of 2022" in page.content.decode() and "still indexing" in page.content.decode()

    passages_index_task.call(job_id=job.pk, transcript_id=long.pk)  # what the worker runs

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert texts_being_indexed(project=project) == []
    [(expert, paragraph, text)] = found(project, "Nazarbayev")
    assert (expert, text) == ("E9", "Nazarbayev")
    assert "still indexing" not in client.get(reverse("search", args=[project.slug]),
                                              {"q": "Nazarbayev"}).content.decode()


@pytest.mark.usefixtures("tasks_wait_for_a_worker")
def test_the_job_run_again_stores_the_passages_once(project, owner, study):
    long = hearing(project, owner)
    job = Job.objects.get(kind=SEARCH_INDEX)
    passages_index_task.call(job_id=job.pk, transcript_id=long.pk)
    stored = Passage.objects.filter(transcript=long).count()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)  # as a worker that died leaves it
    passages_index_task.call(job_id=job.pk, transcript_id=long.pk)
    assert stored > 40 and Passage.objects.filter(transcript=long).count() == stored
    assert len(found(project, "Nazarbayev")) == 1


@pytest.mark.usefixtures("tasks_wait_for_a_worker")
def test_an_edit_of_a_long_text_takes_its_old_passages_out_at_once(project, owner, study):
    from apps.coding.services import transcript_update_text

    long = hearing(project, owner)
    passages_index_task.call(job_id=Job.objects.get(kind=SEARCH_INDEX).pk, transcript_id=long.pk)
    assert found(project, "Nazarbayev")
    transcript_update_text(transcript=long, text=long.text.replace("Nazarbayev", "Tokayev"), version=long.version,
                           actor=owner)
    assert found(project, "Nazarbayev") == [] and found(project, "Tokayev") == []  # no hit on a text that is gone
    job = Job.objects.filter(kind=SEARCH_INDEX, status=Job.Status.QUEUED).get()
    passages_index_task.call(job_id=job.pk, transcript_id=long.pk)
    assert [text for _, _, text in found(project, "Tokayev")] == ["Tokayev"]


def test_with_tasks_run_at_once_a_long_text_is_found_after_its_import(project, owner, study):
    hearing(project, owner)
    assert Job.objects.get(kind=SEARCH_INDEX).status == Job.Status.DONE
    assert [text for _, _, text in found(project, "Nazarbayev")] == ["Nazarbayev"]
