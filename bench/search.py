"""Benchmark of the search: a phrase, words, a fuzzy word and a regular expression (the
first page of hits, through the API as the browser and scripts ask), the Search page, and
coding 500 hits at once (and undoing them).

1x is 7 transcripts of 9,000 words in paragraphs of about 90 words (10x: 70; 100x: 700
transcripts, about 6.3 million words). The words are drawn from a vocabulary of 3,000
made-up words with a Zipf distribution (frequent words very frequent, most words rare,
as in speech) plus English function words; "the Kant air base" is planted in one
paragraph of 150, Otunbaeva (or Otunbayeva) in one of 250, and "Manas" in exactly 500
paragraphs, for the code-all of 500 hits. The transcripts go in with bulk_create; their
passages are then stored by `passages_rebuild`, as a bulk loader must (timed, as "index").

    python -m bench --only search --scales 10x,100x --databases postgres
"""
from __future__ import annotations

import random
import time

SCALES = {"1x": 1, "10x": 10, "100x": 100}
TRANSCRIPTS_1X = 7
WORDS = 9_000
PARAGRAPH_WORDS = 90
CODE_ALL_HITS = 500
FUNCTION_WORDS = ("the of and to in that it was is for on not with as but at by this be had have they we "
                  "you he she their there what which would could about because so if or from").split()


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    syllables = ["ka", "ro", "mi", "ta", "se", "vo", "ly", "an", "ber", "dor", "gra", "ste", "pol", "nik", "zar",
                 "ul", "ev", "ost", "ram", "tis"]
    made_up = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3_600)})[:3_000]
    words = FUNCTION_WORDS + made_up
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def build(scale: str, factor: int, seed: int = 18):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from apps.coding.services import code_create
    from apps.projects.models import Membership, Project, Role
    from apps.transcripts.models import Expert, Transcript, Turn
    from apps.transcripts.text import checksum

    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    user, _ = get_user_model().objects.get_or_create(username=f"bench-search-{scale}")
    n_transcripts = TRANSCRIPTS_1X * factor
    paragraphs_each = WORDS // PARAGRAPH_WORDS
    manas = set(rng.sample(range(n_transcripts * paragraphs_each), CODE_ALL_HITS))
    with transaction.atomic():
        project = Project.objects.create(name=f"Search benchmark {scale}", slug=f"bench-search-{scale}",
                                         created_by=user)
        Membership.objects.create(project=project, user=user, role=Role.OWNER)
        code = code_create(project=project, name="Russian interest", actor=user)
        experts = Expert.objects.bulk_create(Expert(project=project, pseudonym=f"E{i + 1}")
                                             for i in range(n_transcripts))
        for first in range(0, n_transcripts, 50):
            rows = []
            for n in range(first, min(n_transcripts, first + 50)):
                parts, spans, position = [], [], 0
                for p in range(paragraphs_each):
                    chosen = rng.choices(words, weights, k=PARAGRAPH_WORDS)
                    if rng.random() < 1 / 150:
                        at = rng.randrange(PARAGRAPH_WORDS - 4)
                        chosen[at:at + 4] = ["the", "Kant", "air", "base"]
                    if rng.random() < 1 / 250:
                        chosen[rng.randrange(PARAGRAPH_WORDS)] = rng.choice(["Otunbaeva", "Otunbayeva"])
                    if n * paragraphs_each + p in manas:
                        chosen[rng.randrange(PARAGRAPH_WORDS)] = "Manas"
                    speaker = "Interviewer" if p % 2 == 0 else f"E{n + 1}"
                    label = f"{speaker}: "
                    body = " ".join(chosen) + "."
                    spans.append((speaker, position + len(label), position + len(label) + len(body)))
                    parts.append(label + body)
                    position += len(label) + len(body) + 2
                text = "\n\n".join(parts)
                rows.append((Transcript(project=project, expert=experts[n], title=f"Interview {n + 1:04d}",
                                        text=text, checksum=checksum(text), created_by=user,
                                        expert_speaker=f"E{n + 1}"), spans))
            created = Transcript.objects.bulk_create([r[0] for r in rows])
            Turn.objects.bulk_create(Turn(transcript=t, number=i + 1, speaker=s, start=a, end=b)
                                     for t, (_, spans) in zip(created, rows) for i, (s, a, b) in enumerate(spans))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, project, code


def run(report, scales=None) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from apps.search.models import CodingBatch
    from apps.search.selectors import SearchParams
    from apps.search.services import code_all, code_all_undo, passages_rebuild
    from bench import timed
    from bench.workspace import count_queries

    for scale in scales or report.scales:
        factor = SCALES[scale]
        t0 = time.perf_counter()
        user, project, code = build(scale, factor)
        print(f"  built {scale}: {TRANSCRIPTS_1X * factor} transcripts in {time.perf_counter() - t0:.1f} s",
              flush=True)
        t0 = time.perf_counter()
        passages_rebuild(project=project)
        index_ms = (time.perf_counter() - t0) * 1000
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report.add("search: index every passage (bulk)", scale, samples_ms=[index_ms], queries=0)

        client = Client()
        client.force_login(user)
        api = f"/api/projects/{project.slug}"
        repeat = 7 if factor < 100 else 5
        searches = [
            ("phrase \"Kant air base\"", {"q": '"Kant air base"'}),
            ("words Kant air base", {"q": "Kant air base"}),
            ("regex /Otunba[ey]+va/", {"q": "/Otunba[ey]+va/"}),
            ("fuzzy Otunbayeva~", {"q": "Otunbayeva~"}),
            ("phrase, expert speech only", {"q": '"Kant air base"', "speaker": "expert"}),
        ]
        for name, query in searches:
            def search(query=query):
                response = client.get(f"{api}/search", {**query, "per_page": 50})
                assert response.status_code == 200, response.content[:300]
                return response.json()["count"]

            hits = search()
            report.add(f"search API: {name}, first page ({hits} hits)", scale, samples_ms=timed(search, repeat),
                       queries=count_queries(search))

        def search_page():
            assert client.get(f"/projects/{project.slug}/search/", {"q": '"Kant air base"'}).status_code == 200

        search_page()
        report.add("search page: phrase, first page", scale, samples_ms=timed(search_page, repeat),
                   queries=count_queries(search_page))

        manas = SearchParams(q="Manas")
        code_samples, undo_samples, counted = [], [], {}
        for _ in range(3):
            t0 = time.perf_counter()
            with transaction.atomic():
                batch, plan = code_all(project=project, params=manas, code=code, extend="sentence", coder=user)
            code_samples.append((time.perf_counter() - t0) * 1000)
            counted = plan.counts()
            t0 = time.perf_counter()
            with transaction.atomic():
                code_all_undo(project=project, activity=batch.activity, actor=user)
            undo_samples.append((time.perf_counter() - t0) * 1000)
        assert counted["new_segments"] == CODE_ALL_HITS, counted
        report.add(f"code-all: {counted['hits']} hits, sentence", scale, samples_ms=code_samples,
                   queries=count_queries(lambda: code_all(project=project, params=manas, code=code,
                                                          extend="sentence", coder=user)))
        report.add(f"code-all: undo {CODE_ALL_HITS} segments", scale, samples_ms=undo_samples,
                   queries=count_queries(lambda: code_all_undo(
                       project=project, activity=CodingBatch.objects.filter(
                           project=project, undone_at__isnull=True).latest("id").activity, actor=user)))
