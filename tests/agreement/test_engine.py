"""The suggestion engine as a coder on the agreement page: each transcript held out in
turn, per code precision, recall and Cohen's kappa of the engine against the primary coder
over sentences. The figures are checked on a small study with an engine simple enough to
follow by hand (it codes a sentence that shares a word of four letters or more with a
sentence coded in the other transcripts: the SUGGESTION_ENGINE protocol a deployer plugs
into); the page, which has the task worker run the evaluation (the tests' tasks run at
once), and the evaluation with the project's default engine."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.agreement.selectors import ENGINE_AGREEMENT, engine_agreement
from apps.agreement.services import engine_agreement_job_create
from apps.coding.services import segment_create
from apps.projects.models import Job
from apps.projects.services import job_create
from apps.suggestions.engines import Suggestion
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import phrase_span
from tests.exports.test_worker import ended, queued_in_database, wait_for, worker  # noqa: F401 - fixtures
from tests.test_production import on_postgres

T1 = ("Interviewer: Why?\n\n"
      "E1: Russia guards its base. Moscow wanted the base. The weather was cold. Troops came from Russia.")
T2 = ("Interviewer: And then?\n\n"
      "E2: The base mattered to Moscow. Elections were held. Cold rain fell. Troops waited.")
CODED_BY_PRIMARY = {"t1": ["Russia guards its base.", "Moscow wanted the base."],
                    "t2": ["The base mattered to Moscow.", "Troops waited."]}


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}


class SharedWordEngine:
    """Codes a candidate (score 1) when it shares a word with a passage coded in training."""

    name = "shared-word"
    version = "test"
    threshold = 0.5

    def rank(self, training, candidates, explain=20):
        learned = set().union(*(words(p.text) for p in training.positives)) if training.positives else set()
        scored = [Suggestion(passage=p, score=1.0 if words(p.text) & learned else 0.0) for p in candidates]
        return sorted(scored, key=lambda s: -s.score)


@pytest.fixture
def study(project, owner, coder, russian_interest, threat):
    """Two transcripts; the primary coder (the owner) coded two sentences of each with
    Russian interest. Another coder's coding of "The weather was cold." must not count."""
    t1 = transcript_create(project=project, title="T1", text=T1, created_by=owner, expert_speaker="E1",
                           expert=expert_create(project=project, pseudonym="E1", actor=owner))
    t2 = transcript_create(project=project, title="T2", text=T2, created_by=owner, expert_speaker="E2",
                           expert=expert_create(project=project, pseudonym="E2", actor=owner))
    for transcript, key in ((t1, "t1"), (t2, "t2")):
        for sentence in CODED_BY_PRIMARY[key]:
            start, end = phrase_span(transcript, sentence)
            segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest])
    start, end = phrase_span(t1, "The weather was cold.")
    segment_create(transcript=t1, start=start, end=end, coder=coder, codes=[russian_interest, threat])
    return {"t1": t1, "t2": t2}


def test_engine_figures_against_the_primary_coder_match_the_hand_count(study, project, russian_interest, threat,
                                                                         django_assert_max_num_queries):
    # T1 held out, the engine learns {base, mattered, moscow, troops, waited} from T2 and codes
    #   "Russia guards its base." (human yes), "Moscow wanted the base." (yes), "Troops came from Russia." (no);
    # T2 held out, it learns {russia, guards, base, moscow, wanted} from T1 and codes
    #   "The base mattered to Moscow." (yes) only, missing "Troops waited." (yes).
    # Of 8 sentences: both 3, engine only 1, human only 1, neither 3.
    # Precision 3/4, recall 3/4; kappa: p_o = 6/8, p_e = (4/8)(4/8) + (4/8)(4/8) = 1/2, (3/4 - 1/2)/(1/2) = 1/2.
    with django_assert_max_num_queries(10):
        report = engine_agreement(project=project, engine=SharedWordEngine())
    assert report.coder[1] == "olga"
    assert (report.engine, report.engine_version, report.transcripts) == ("shared-word", "test", 2)
    row = next(r for r in report.codes if r.code == russian_interest)
    assert (row.units, row.human, row.engine, row.both) == (8, 4, 4, 3)
    assert row.precision == pytest.approx(0.75)
    assert row.recall == pytest.approx(0.75)
    assert row.kappa == pytest.approx(0.5)
    # The other coder's Threat perception does not count: the primary coder never used it.
    unused = next(r for r in report.codes if r.code == threat)
    assert (unused.human, unused.kappa, unused.recall) == (0, None, None)


def test_engine_page_evaluates_as_a_job_on_request_and_shows_the_figures(study, project, client_for, reviewer,
                                                                       settings, django_assert_max_num_queries):
    settings.SUGGESTION_ENGINE = "tests.agreement.test_engine.SharedWordEngine"
    client = client_for(reviewer)
    url = reverse("agreement_engine", args=[project.slug])
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200
    assert b"Evaluate the engine" in page.content and b"data-precision" not in page.content
    assert not Job.objects.exists()  # a plain visit runs nothing

    answer = client.post(url)  # a reviewer may ask: it changes no coding
    assert answer.status_code == 302 and answer.url == url
    job = Job.objects.get()
    assert (job.kind, job.status, job.user, job.project) == (ENGINE_AGREEMENT, Job.Status.DONE, reviewer, project)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert "Engine shared-word test against olga (primary coder)" in html
    assert '<td class="num" data-precision>0.750</td>' in html
    assert '<td class="num" data-recall>0.750</td>' in html
    assert '<td class="num" data-kappa>0.500</td>' in html
    assert "Evaluate again" in html


def test_engine_page_while_the_job_waits_for_a_worker(study, project, client_for, owner):
    job = job_create(user=owner, kind=ENGINE_AGREEMENT, label="The engine as a coder", project=project)
    page = client_for(owner).get(reverse("agreement_engine", args=[project.slug]))
    html = page.content.decode()
    assert f'data-engine-job="{job.status}"' in html and 'http-equiv="refresh"' in html
    assert "Evaluate again" not in html and "Evaluate the engine</button>" not in html


def test_engine_page_is_for_members_only(study, project, client_for, outsider):
    url = reverse("agreement_engine", args=[project.slug])
    client = client_for(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Job.objects.exists()


def test_engine_evaluation_with_the_default_engine_on_the_small_study(study, project, owner):
    job = engine_agreement_job_create(project=project, user=owner)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    row = next(r for r in job.result["codes"] if r["path"] == "Russian interest")
    assert (row["units"], row["human"]) == (8, 4)
    assert row["kappa"] is not None and -1 <= row["kappa"] <= 1
    assert (job.done, job.total) == (job.total, 2)  # progress by code: Threat perception and Russian interest


@on_postgres
def test_a_real_worker_runs_the_evaluation(transactional_db, queued_in_database, worker, study, project, owner,
                                           client_for):
    url = reverse("agreement_engine", args=[project.slug])
    client_for(owner).post(url)
    job = Job.objects.get(kind=ENGINE_AGREEMENT)
    assert job.status == Job.Status.QUEUED
    assert 'http-equiv="refresh"' in client_for(owner).get(url).content.decode()
    worker()
    job = wait_for(lambda: ended(job))
    assert job.status == Job.Status.DONE, job.reason
    page = client_for(owner).get(url).content.decode()
    assert "against olga (primary coder)" in page and 'http-equiv="refresh"' not in page


def test_an_evaluation_whose_worker_died_can_be_asked_for_again(study, project, client_for, owner):
    job = job_create(user=owner, kind=ENGINE_AGREEMENT, label="The engine as a coder", project=project)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, updated_at=timezone.now() - timedelta(hours=1))
    html = client_for(owner).get(reverse("agreement_engine", args=[project.slug])).content.decode()
    assert "stopped without finishing" in html and "Evaluate again" in html and 'http-equiv="refresh"' not in html
