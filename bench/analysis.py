"""Benchmark of the analysis: the code x case matrix, frequencies and co-occurrence on
synthetic projects of a busy study.

1x is 7 transcripts of 9,000 words with 300 segments each (4 of them case sections, one
per case), 12 codes (3 with 3 sub-codes each) and 4 cases; 10x and 100x multiply the
transcripts (100x: 700 transcripts, 210,000 segments). The data goes in with bulk_create
through the ordinary models (no services: they would record an activity per segment), the
stored case memberships are refreshed per batch of transcripts as the signals would, and
the tables are ANALYZEd afterwards as autovacuum would.

    python -m bench --only analysis --scales 1x,10x,100x --databases postgres
"""
from __future__ import annotations

import random
import time

SCALES = {"1x": 1, "10x": 10, "100x": 100}
TRANSCRIPTS_1X = 7
WORDS = 9_000
SEGMENTS = 300
PARAGRAPH_WORDS = 90
VOCABULARY = ("alliance threat request member state russia moscow border troops consensus article treaty "
              "security interest unrest protest capital government military mission summit decision "
              "collective peacekeeping minister president crisis region neighbour support answer").split()


def run(report, scales=None) -> None:
    """Time each operation cold (the analysis cache emptied before every sample: the first
    read after a change to the coding) and, for the cached aggregates, warm (nothing
    changed since the last read)."""
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from apps.analysis import selectors
    from apps.coding.services import case_membership_refresh
    from bench import timed
    from bench.workspace import count_queries

    for scale in scales or report.scales:
        factor = SCALES[scale]
        t0 = time.perf_counter()
        project, sample = build(scale=scale, transcripts=TRANSCRIPTS_1X * factor)
        print(f"  built {scale}: {TRANSCRIPTS_1X * factor} transcripts, "
              f"{TRANSCRIPTS_1X * factor * SEGMENTS} segments in {time.perf_counter() - t0:.1f} s", flush=True)
        repeat = 5 if factor < 100 else 3

        def refresh_all():
            with transaction.atomic():
                case_membership_refresh(project_id=project.pk)

        report.add("analysis: store every case membership anew", scale, samples_ms=timed(refresh_all, 1),
                   queries=count_queries(refresh_all))
        operations = [
            ("matrix (experts x cases)", True,
             lambda: selectors.code_case_matrix(project=project)),
            ("matrix page (no segment ids)", True,
             lambda: selectors.code_case_matrix(project=project, segment_ids=False)),
            ("matrix (words, with sub-codes)", True,
             lambda: selectors.code_case_matrix(project=project, measure="words", rollup=True, segment_ids=False)),
            ("matrix (experts x attribute)", True,
             lambda: selectors.code_case_matrix(project=project, columns=sample["attribute"].pk,
                                                segment_ids=False)),
            ("frequencies", True, lambda: selectors.code_frequencies(project=project)),
            ("co-occurrence", True, lambda: selectors.code_cooccurrence(project=project)),
            ("co-occurrence in one case", True,
             lambda: selectors.code_cooccurrence(project=project, case=sample["case"])),
            ("excerpts of a cell (first 50)", False,
             lambda: selectors.matrix_cell_excerpts(project=project, code=sample["code"],
                                                    column=str(sample["case"].pk))),
            ("review dashboard", False, lambda: selectors.review_dashboard(project=project)),
        ]
        for name, cached, fn in operations:
            def cold(fn=fn):
                cache.clear()
                return fn()

            with CaptureQueriesContext(connection) as queries:
                cold()
            report.add(f"analysis: {name}" + (", cold" if cached else ""), scale, samples_ms=timed(cold, repeat),
                       queries=len(queries))
            if cached:
                with CaptureQueriesContext(connection) as queries:
                    fn()
                report.add(f"analysis: {name}, warm", scale, samples_ms=timed(fn, repeat), queries=len(queries))
        transcript_page(report, scale, project, repeat)


def transcript_page(report, scale: str, project, repeat: int) -> None:
    """The page of one transcript of the same size (9,000 words, 300 segments) in a project
    of 7, 70 or 700 of them: its cost should not grow with the rest of the project (#19).
    Cold: the cache emptied first, as after any change to the project; warm: nothing changed."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from apps.transcripts.models import Transcript
    from bench import timed
    from bench.workspace import count_queries

    client = Client()
    client.force_login(project.created_by)
    url = reverse("transcript_detail", args=[project.slug, Transcript.objects.filter(project=project)
                                             .order_by("pk").values_list("pk", flat=True).first()])

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def cold():
        cache.clear()
        get()

    for name, fn in (("cold", cold), ("warm", get)):
        fn()
        queries = count_queries(fn)
        report.add(f"analysis: one transcript's page (9,000 words, 300 segments), {name}", scale,
                   samples_ms=timed(fn, repeat * 2), queries=queries)


def build(*, scale: str, transcripts: int, seed: int = 5):
    """A synthetic project; returns it and a case, a code and an attribute to query."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from apps.cases.models import Attribute, Case, CaseValue
    from apps.coding.models import Code, Coding, Segment
    from apps.projects.models import Membership, Project, Role
    from apps.transcripts.models import Expert, Transcript, Turn
    from apps.transcripts.text import checksum

    rng = random.Random(seed)
    User = get_user_model()
    slug = f"bench-analysis-{scale}"
    for old in Project.objects.filter(slug=slug):  # built by an earlier module of this run
        # codes protect their codings and sub-codes: take those away first
        Coding.objects.filter(tag__project=old).delete()
        Code.objects.filter(project=old).update(parent=None)
        old.delete()
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username="bench-analysis")
        project = Project.objects.create(name=f"Analysis benchmark {scale}", slug=slug, created_by=user)
        Membership.objects.create(project=project, user=user, role=Role.OWNER)
        roots = [Code.objects.create(project=project, name=f"Factor {i}", slug=f"factor-{i}", position=i,
                                     scale="presence" if i < 2 else "none") for i in range(3)]
        children = [Code.objects.create(project=project, name=f"Aspect {i}.{j}", slug=f"aspect-{i}-{j}",
                                        parent=root, position=j) for i, root in enumerate(roots) for j in range(3)]
        codes = roots + children
        cases = [Case.objects.create(project=project, name=f"Case {i}", position=i) for i in range(4)]
        attribute = Attribute.objects.create(project=project, applies_to="case", name="threat type",
                                             type="categorical", choices=["internal", "external"])
        CaseValue.objects.bulk_create(CaseValue(case=c, attribute=attribute, value=["internal", "external"][i % 2])
                                      for i, c in enumerate(cases))
        experts = Expert.objects.bulk_create(Expert(project=project, pseudonym=f"E{i + 1}")
                                             for i in range(transcripts))
        for chunk in range(0, transcripts, 50):
            _transcripts(project, user, experts[chunk:chunk + 50], codes, cases, rng, chunk, checksum,
                         Transcript, Turn, Segment, Coding)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return project, {"case": cases[2], "code": roots[0], "attribute": attribute}


def _text(rng) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """9,000 words in paragraphs; (text, word spans, paragraph spans)."""
    parts, word_spans, paragraphs = [], [], []
    position = 0
    for p in range(WORDS // PARAGRAPH_WORDS):
        start = position
        for w in range(PARAGRAPH_WORDS):
            word = rng.choice(VOCABULARY)
            if w:
                parts.append(" ")
                position += 1
            word_spans.append((position, position + len(word)))
            parts.append(word)
            position += len(word)
        paragraphs.append((start, position))
        parts.append("\n\n")
        position += 2
    return "".join(parts).rstrip("\n"), word_spans, paragraphs


def _transcripts(project, user, experts, codes, cases, rng, offset, checksum, Transcript, Turn, Segment, Coding):
    from apps.coding.services import case_membership_refresh

    rows = []
    for n, expert in enumerate(experts):
        text, word_spans, paragraphs = _text(rng)
        rows.append((Transcript(project=project, expert=expert, title=f"Interview {offset + n + 1:04d}", text=text,
                                checksum=checksum(text), created_by=user), word_spans, paragraphs))
    created = Transcript.objects.bulk_create([r[0] for r in rows])
    Turn.objects.bulk_create(Turn(transcript=t, number=i + 1, speaker=t.expert.pseudonym, start=s, end=e)
                             for t, (_, _, paragraphs) in zip(created, rows) for i, (s, e) in enumerate(paragraphs))
    segments, plans = [], []
    for t, (_, word_spans, _) in zip(created, rows):
        if (offset + created.index(t)) % 10 == 9:
            cases[(offset + created.index(t)) % 4].transcripts.add(t)  # a few whole-transcript cases
        quarter = len(word_spans) // 4
        for c, case in enumerate(cases):  # one case section per case
            first, last = word_spans[c * quarter][0], word_spans[(c + 1) * quarter - 1][1]
            quote = t.text[first:last]
            segments.append(Segment(project=project, transcript=t, start=first, end=last, quote=quote,
                                    words=len(quote.split()), coder=user, is_case_section=True))
            plans.append(([], [case]))
        for _ in range(SEGMENTS - len(cases)):
            w = rng.randrange(len(word_spans) - 60)
            length = rng.randint(8, 60)
            start, end = word_spans[w][0], word_spans[w + length][1]
            quote = t.text[start:end]
            segments.append(Segment(project=project, transcript=t, start=start, end=end, quote=quote,
                                    words=len(quote.split()), coder=user))
            chosen = rng.sample(codes, rng.choice((1, 1, 2)))
            plans.append((chosen, [rng.choice(cases)] if rng.random() < 0.1 else []))
    Segment.objects.bulk_create(segments, batch_size=5000)
    codings, links = [], []
    through = Segment.cases.through
    for segment, (chosen, linked) in zip(segments, plans):
        for code in chosen:
            value = rng.choice(("present", "absent")) if code.scale == "presence" else ""
            codings.append(Coding(content_object=segment, tag=code, value=value))
        links += [through(segment_id=segment.pk, case_id=case.pk) for case in linked]
    Coding.objects.bulk_create(codings, batch_size=5000)
    through.objects.bulk_create(links, batch_size=5000)
    # bulk writes send no signals: store these transcripts' case memberships as a service would
    case_membership_refresh(project_id=project.pk, transcript_ids=[t.pk for t in created])
