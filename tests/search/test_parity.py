"""SQLite and PostgreSQL return the same hits, on the demo study and on a generated project.

Two checks, on whichever database the suite runs:
- the hits equal those of a reference that reads every passage in Python, with no
  database narrowing at all: the database's full-text condition may let too much through,
  never too little;
- the hits equal a snapshot committed with the tests (tests/search/snapshots/), written
  once from one database: a run on the other must find exactly the same.
Set UPDATE_SEARCH_SNAPSHOTS=1 to write the snapshots again (after changing the demo or
the query language on purpose).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.demo.loader import DEMO_SLUG
from apps.projects.models import Project
from apps.search.index import passage_rows
from apps.search.matching import Matcher
from apps.search.query import parse
from apps.search.selectors import SearchParams, search_hits
from apps.search.text import fold
from apps.transcripts.models import Transcript
from apps.transcripts.services import transcript_create

SNAPSHOTS = Path(__file__).parent / "snapshots"

DEMO_QUERIES = [
    "Russia", "Kant air base", '"air base"', "Russ*", "Kazakh*", "Tokayev", "Otunbayeva", "Otunbayeva~",
    "Russia NEAR/5 base", "Moscow NOT Kazakhstan", "Armenia OR Azerbaijan", '"Article 4"', "consensus",
    "(Taliban OR Afghan*) NEAR/10 border", r"/\b(19|20)\d\d\b/", "/Otunba[ey]+va/", r"/peace[- ]?keep\w*/",
    '"collective security"~', "Pashinyan", "secretary general", "sovereignty OR sovereign",
]
DEMO_EXACT = ["Russia", "CSTO", "Tokayev", "/[A-Z]{4}/"]


def reference(project: Project, params: SearchParams) -> list[str]:
    """The hits as keys, found by reading every passage of every transcript in Python."""
    matcher = Matcher(parse(params.q, fuzzy=params.fuzzy), exact=params.exact)
    keys = []
    for transcript in sorted(Transcript.objects.filter(project=project).prefetch_related("turns"),
                             key=lambda t: (t.title, t.pk)):
        spans = []
        for row in passage_rows(project_id=project.pk, transcript_id=transcript.pk, text=transcript.text,
                                turns=[(t.number, t.start, t.end) for t in transcript.turns.all()]):
            original = transcript.text[row.start:row.end]
            mapping = fold(original)
            view = original if params.exact else mapping.text
            for s, e in matcher.hits(view):
                s, e = (s, e) if params.exact else mapping.span(s, e)
                spans.append((row.start + s, row.start + e))
        merged: list[list[int]] = []
        for s, e in sorted(set(spans)):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        keys += [f"{transcript.title}:{s}:{e}" for s, e in merged]
    return keys


def searched(project: Project, params: SearchParams) -> list[str]:
    titles = dict(Transcript.objects.filter(project=project).values_list("pk", "title"))
    return [f"{titles[h.transcript_id]}:{h.start}:{h.end}" for h in search_hits(project=project, params=params).hits]


def compare_with_snapshot(name: str, results: dict[str, list[str]], digest: bool = False) -> None:
    path = SNAPSHOTS / f"{name}.json"
    shown = {q: (hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16] + f" ({len(keys)} hits)" if digest
                 else keys) for q, keys in results.items()}
    if os.environ.get("UPDATE_SEARCH_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(shown, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {path.name}; run again to compare")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert shown == expected


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Project.objects.get(slug=DEMO_SLUG)


def test_the_demo_gives_the_reference_hits_and_the_snapshot(demo):
    results = {}
    for q in DEMO_QUERIES:
        params = SearchParams(q=q)
        results[q] = searched(demo, params)
        assert results[q] == reference(demo, params), q
    for q in DEMO_EXACT:
        params = SearchParams(q=q, exact=True)
        results[f"exact: {q}"] = searched(demo, params)
        assert results[f"exact: {q}"] == reference(demo, params), q
    assert sum(len(keys) for keys in results.values()) > 300  # the queries find plenty
    assert all(results[q] for q in ("Russia", "Kant air base", "Otunbayeva~", "Russia NEAR/5 base"))
    compare_with_snapshot("demo_hits", results)


# --- a generated project ---------------------------------------------------------------------

VOCABULARY = (
    "alliance treaty request border threat Russia Russian Moscow Kant air base Bishkek Osh Jalal-Abad "
    "Tokayev Tokaïev TOKAEV Otunbayeva Otunbaeva peacekeepers peace-keeping Kazakhstan Kazakh Armenia "
    "Azerbaijan Yerevan Baku consensus Article 4 2010 2021 2022 don't Russia's café CAFÉ Straße strasse "
    "Россия России российский Москва ещё ЕЩЁ еще ёлка Ёлка база базу за\u0301мок замок Токаев ТОКАЕВ войска "
    "the of and in that it was not a but because however"
).split()
GENERATED_QUERIES = [
    "Russia", "russia", "Russ*", '"air base"', "Kant air base", "Tokaiev", "Tokayev~", "Otunbayeva~",
    "cafe", "strasse", "Straße", "Jalal-Abad", '"peace keeping"', "don't", "Россия", "росси*", "еще", "елка",
    "замок", "база OR базу", "Москва NEAR/3 Россия", "Kant NOT Osh", "(Baku OR Yerevan) NEAR/2 Armenia",
    r"/\d{4}/", "/otunba[ey]+va/", r"/air\s+base/", "/за.мок/", '"Article 4"', "Tokaev~ NEAR/4 Russia",
]
GENERATED_EXACT = ["Russia", "Tokaïev", "ЕЩЁ", "/[А-Я]{4,}/", '"air base"']


def generated_text(rng: random.Random, turns: int, long_turn: bool) -> str:
    parts = []
    for i in range(turns):
        n = 8000 if long_turn and i == turns // 2 else rng.randint(5, 120)
        words = [rng.choice(VOCABULARY) for _ in range(n)]
        for j in range(0, len(words), rng.randint(6, 14)):
            words[j] = words[j] + rng.choice([".", ",", ";", "", "!", "?"])
        speaker = "Interviewer" if i % 2 == 0 else "E1"
        parts.append(f"{speaker}: " + " ".join(words))
    return "\n\n".join(parts)


@pytest.fixture
def generated(project, owner):
    rng = random.Random(18)
    for n in range(10):
        transcript_create(project=project, title=f"Generated {n:02d}", text=generated_text(rng, 24, n == 3),
                          created_by=owner, allow_duplicate=True)
    return project


def test_a_generated_project_gives_the_reference_hits_and_the_snapshot(generated):
    rng = random.Random(5)
    queries = list(GENERATED_QUERIES)
    for _ in range(25):  # and some drawn at random from the vocabulary
        a, b = rng.choice(VOCABULARY), rng.choice(VOCABULARY)
        queries.append(rng.choice([a, f'"{a} {b}"', f"{a[:3]}*" if len(a) > 3 else a, f"{a} NEAR/{rng.randint(0, 6)} {b}",
                                   f"{a} OR {b}", f"{a} NOT {b}", f"{a}~"]))
    results = {}
    for q in queries:
        params = SearchParams(q=q)
        results[q] = searched(generated, params)
        assert results[q] == reference(generated, params), q
    for q in GENERATED_EXACT:
        params = SearchParams(q=q, exact=True)
        results[f"exact: {q}"] = searched(generated, params)
        assert results[f"exact: {q}"] == reference(generated, params), q
    assert sum(bool(keys) for keys in results.values()) > len(results) * 0.8
    compare_with_snapshot("generated_hits", results, digest=True)
