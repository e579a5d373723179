"""Import time of a 10,000-word .docx and a 10,000-word .txt through the import service
(parse, normalise, split into turns, store), and the time to save an edit of a coded
10,000-word transcript (re-anchoring its segments). Scale 10x is a 100,000-word file.
"""
from __future__ import annotations

import io
import random

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from . import timed

WORDS_PER_SCALE = {"1x": 10_000, "10x": 100_000, "100x": 1_000_000}
REPEAT = {"1x": 5, "10x": 3, "100x": 1}
VOCABULARY = (
    "the alliance Moscow Kazakhstan Armenia request intervention troops members threat border security "
    "government crowds Tokayev article four collective peacekeeping forces internal matter decision "
    "interest Russia Azerbaijan Baku Yerevan Bishkek Dushanbe Taliban exercises pledges mission "
    "because however and but so that it was were had not only also very much more than in of to for"
).split()


def interview(words: int, seed: int = 1) -> list[tuple[str, str]]:
    """(speaker, words) turns of about `words` words: short questions, long answers."""
    rng = random.Random(seed)
    turns, total, i = [], 0, 0
    while total < words:
        speaker = "Interviewer" if i % 2 == 0 else "E3"
        n = rng.randint(8, 20) if speaker == "Interviewer" else rng.randint(60, 160)
        sentence = " ".join(rng.choice(VOCABULARY) for _ in range(n))
        turns.append((speaker, sentence[0].upper() + sentence[1:] + "."))
        total += n
        i += 1
    return turns


def txt_bytes(turns) -> bytes:
    return "\r\n\r\n".join(f"{speaker}: {words}" for speaker, words in turns).encode("utf-8")


def docx_bytes(turns) -> bytes:
    import docx

    document = docx.Document()
    for speaker, words in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(speaker).bold = True
        paragraph.add_run(" " + words)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def run(report) -> None:
    from apps.coding.services import code_create, segment_create, transcript_update_text
    from apps.projects.services import project_create
    from apps.transcripts.services import ImportFile, transcript_import_files

    User = get_user_model()
    user = User.objects.filter(username="bench-importer").first() or User.objects.create_user(
        "bench-importer", password="bench-password-not-secret")
    for scale in report.scales:
        if scale not in WORDS_PER_SCALE:
            continue
        words = WORDS_PER_SCALE[scale]
        project = project_create(name=f"Bench imports {scale}", owner=user)
        turns = interview(words)
        for label, name, data in (("docx", "E3.docx", docx_bytes(turns)), ("txt", "E3.txt", txt_bytes(turns))):
            def once():
                [result] = transcript_import_files(project=project, actor=user, files=[
                    ImportFile.from_bytes(name, data, allow_duplicate=True)])
                assert result.status == "stored", result.reason

            with CaptureQueriesContext(connection) as queries:
                once()
            samples = timed(once, REPEAT[scale])
            report.add(f"import .{label} ({words:,} words)", scale, samples_ms=samples, queries=len(queries))

        # An edit of a coded transcript: 300 segments, 20 words corrected across the text.
        transcript = project.transcripts.order_by("-id").first()
        code = code_create(project=project, name="Threat perception", actor=user)
        text = transcript.text
        rng = random.Random(2)
        starts = sorted(rng.sample(range(0, len(text) - 200), 300))
        for start in starts:
            start = text.rfind(" ", 0, start) + 1
            end = text.find(" ", start + 40)
            if end > start:
                segment_create(transcript=transcript, start=start, end=end, codes=[code], coder=user)
        positions = sorted(rng.sample(range(len(text) // 2), 20))
        corrected = text
        for position in reversed(positions):
            at = corrected.find("Moscow", position * 2)
            if at != -1:
                corrected = corrected[:at] + "Moskva" + corrected[at + 6:]
        versions = [text, corrected]

        def edit():
            transcript.refresh_from_db(fields=["version", "text"])
            target = versions[1] if transcript.text == versions[0] else versions[0]
            transcript_update_text(transcript=transcript, text=target, version=transcript.version, actor=user)

        with CaptureQueriesContext(connection) as queries:
            edit()
        samples = timed(edit, REPEAT[scale])
        report.add(f"edit coded text ({words:,} words, 300 segments)", scale, samples_ms=samples,
                   queries=len(queries))
