"""The coding workspace: the transcript page and a segment create, at the size the issues
name (one interview of 9,000 words with 300 segments per 1x; 10x: 90,000 words, 3,000
segments), built through the services and timed through Django's test client, signed in,
as the browser would call them."""
from __future__ import annotations

import random

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import timed


def count_queries(fn) -> int:
    """Queries of one call (the log is emptied first: with DEBUG on it keeps only the last 9,000)."""
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries.captured_queries)

WORDS_PER_1X = 9_000
SEGMENTS_PER_1X = 300
REPEAT = 20
FACTORS = {"1x": 1, "10x": 10}
VOCABULARY = (
    "the alliance members Moscow decided troops request border threat interest consensus secretary general "
    "mission summit Kazakhstan Armenia Kyrgyzstan Tajikistan Azerbaijan Russia Bishkek Yerevan Dushanbe "
    "peacekeepers deployment sovereignty internal conflict protest unrest terrorism article four treaty "
    "because however perhaps clearly nobody wanted risk precedent regime stability neighbours friends room "
    "said that it was not a question of capacity but of will and who pays what for whom in the end"
).split()


def build(scale: str, factor: int):
    from django.contrib.auth import get_user_model

    from apps.cases.services import case_create
    from apps.coding.services import code_create, segment_create
    from apps.projects.services import project_create
    from apps.transcripts.services import expert_create, transcript_create

    rng = random.Random(42)
    user = get_user_model().objects.create_user(username=f"bench-coder-{scale}", password="bench-password-0000")
    with transaction.atomic():
        project = project_create(name=f"Workspace bench {scale}", owner=user)
        expert = expert_create(project=project, pseudonym="E1", actor=user)
        turns, words = [], 0
        while words < WORDS_PER_1X * factor:
            n = rng.randint(40, 160)
            speaker = "Interviewer" if len(turns) % 2 == 0 else "E1"
            turns.append(f"{speaker}: " + " ".join(rng.choice(VOCABULARY) for _ in range(n)) + ".")
            words += n + 1
        text = "\n\n".join(turns)
        transcript = transcript_create(project=project, title="Long interview", text=text, expert=expert,
                                       created_by=user)
        codes = [code_create(project=project, name=f"Code {i}", actor=user,
                             colour=f"#{rng.randrange(0x222222, 0xdddddd):06x}") for i in range(20)]
        cases = [case_create(project=project, name=f"Case {i}", actor=user) for i in range(4)]
        bounds = [i for i, ch in enumerate(transcript.text) if ch == " "]
        n_segments = SEGMENTS_PER_1X * factor
        step = max(1, len(bounds) // n_segments)
        for i in range(n_segments):
            a = min(len(bounds) - 2, i * step + rng.randint(0, step))
            b = min(len(bounds) - 1, a + rng.randint(3, 30))
            start, end = bounds[a] + 1, bounds[b]
            section = i % 60 == 0
            segment_create(transcript=transcript, start=start, end=end if not section else min(len(text), end + 2000),
                           coder=user, codes=[] if section else rng.sample(codes, rng.randint(1, 2)),
                           cases=[cases[i % 4]] if section or i % 9 == 0 else [], is_case_section=section)
    # The steady state: PostgreSQL's autovacuum analyses new rows within a minute or so.
    # Without statistics its planner takes the tables for empty and joins the membership
    # rule's overlaps row by row (66-175 ms instead of about 1 ms for 500 segments).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, project, transcript, codes, bounds


def run(report) -> None:
    for scale in report.scales:
        factor = FACTORS.get(scale)
        if factor is None:
            print(f"  (workspace: scale {scale} is not measured; a transcript of "
                  f"{WORDS_PER_1X * 100:,} words is beyond one interview)")
            continue
        user, project, transcript, codes, bounds = build(scale, factor)
        client = Client()
        client.force_login(user)
        page = f"/projects/{project.slug}/transcripts/{transcript.pk}/"
        api = f"/api/projects/{project.slug}"

        def get_page():
            response = client.get(page)
            assert response.status_code == 200, response.status_code

        get_page()  # warm caches (templates, URL resolvers)
        queries = count_queries(get_page)
        report.add("workspace: transcript page GET", scale, samples_ms=timed(get_page, REPEAT), queries=queries)

        page_with_recording(report, scale, client, page, user, transcript)

        rng = random.Random(7)

        def create():
            a = rng.randrange(0, len(bounds) - 12)
            start, end = bounds[a] + 1, bounds[a + rng.randint(2, 10)]
            response = client.post(f"{api}/segments", content_type="application/json", data={
                "transcript_id": transcript.pk, "start": start, "end": end,
                "code_ids": [codes[rng.randrange(len(codes))].pk]})
            assert response.status_code == 201, response.content

        create()
        queries = count_queries(create)
        report.add("workspace: segment create POST (API)", scale, samples_ms=timed(create, REPEAT), queries=queries)

        def list_segments():
            assert client.get(f"{api}/transcripts/{transcript.pk}/segments").status_code == 200

        queries = count_queries(list_segments)
        report.add("workspace: transcript segments GET (API)", scale, samples_ms=timed(list_segments, REPEAT),
                   queries=queries)

        case_id = project.cases.order_by("pk").values_list("pk", flat=True).first()

        def retrieval():
            response = client.get(f"/projects/{project.slug}/segments/?code={codes[0].pk}&case={case_id}")
            assert response.status_code == 200

        queries = count_queries(retrieval)
        report.add("workspace: retrieval page GET", scale, samples_ms=timed(retrieval, REPEAT), queries=queries)


ROUNDS_WITH_RECORDING = 40


def page_with_recording(report, scale, client, page, user, transcript) -> None:
    """The same page with and without a recording, every turn timed (10 s each): the player
    must not slow the page down (issue #21: same median within noise). Measured in
    interleaved rounds, the order of the two alternating, so that both see the same machine;
    between two requests (not timed) the recording is moved to another transcript and back.
    The recording is a minute of silence made with the standard library; removed afterwards."""
    import io
    import wave

    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.media.models import Recording
    from apps.media.services import recording_attach, recording_remove
    from apps.transcripts.services import transcript_create, turn_timings_set

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * 8000 * 60)
    recording = recording_attach(transcript=transcript, upload=SimpleUploadedFile("bench.wav", buffer.getvalue()),
                                 actor=user)
    numbers = list(transcript.turns.values_list("number", flat=True))
    turn_timings_set(transcript=transcript, timings={n: {"start": 10.0 * i, "end": 10.0 * (i + 1)}
                                                     for i, n in enumerate(numbers)})
    parking = transcript_create(project=transcript.project, title="Parking for the bench's recording",
                                text="E1: nothing.", created_by=user)

    def place(on) -> None:
        Recording.objects.filter(pk=recording.pk).update(transcript=on)

    def get_page(with_player: bool):
        response = client.get(page)
        assert response.status_code == 200 and (b"data-player" in response.content) == with_player

    samples: dict[bool, list[float]] = {True: [], False: []}
    queries: dict[bool, int] = {}
    for with_player in (True, False):  # warm up both, and count their queries
        place(transcript if with_player else parking)
        get_page(with_player)
        queries[with_player] = count_queries(lambda: get_page(with_player))
    for round_ in range(ROUNDS_WITH_RECORDING):
        for with_player in ((True, False) if round_ % 2 else (False, True)):
            place(transcript if with_player else parking)
            samples[with_player] += timed(lambda: get_page(with_player), 1)
    without = report.add("workspace: transcript page, no recording", scale,
                         samples_ms=samples[False], queries=queries[False])
    report.add("workspace: transcript page, with recording", scale, samples_ms=samples[True],
               queries=queries[True], ratio_to=without)
    place(transcript)
    recording_remove(recording=Recording.objects.get(pk=recording.pk), actor=user)
    parking.delete()
