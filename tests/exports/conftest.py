"""Fixtures of the export tests: a small coded project built through the services, the
demo study, the REFI-QDA schemas (copies in tests/exports/schemas/) and snapshots of
every object of a project, to compare a project with its re-import."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xmlschema

from apps.demo.loader import load_demo
from apps.cases.models import Attribute
from apps.cases.services import attribute_create, expert_value_set, transcript_cases_set
from apps.coding.models import Code, Memo, Segment
from apps.coding.selectors import code_paths
from apps.coding.services import code_create, memo_create, segment_create
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import phrase_span

HERE = Path(__file__).parent
SCHEMAS = HERE / "schemas"
FILES = HERE / "files"

RUSSIAN_TEXT = (
    "Интервьюер: Почему ОДКБ вмешалась в Казахстане?\n\n"
    "E2: Потому что Москва этого хотела & боялась 100% потери влияния; $ и # тоже.\n\n"
    "Interviewer: And the {legal} side_of_it ~ ^?\n\n"
    "E2: Article 4 \\ consensus — \"everyone\" agreed."
)


@pytest.fixture(scope="session")
def project_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd"))


@pytest.fixture(scope="session")
def codebook_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Codebook.xsd"))


@pytest.fixture
def coded(project, owner, coder, transcript, threat, russian_interest, kazakhstan, armenia, expert):
    """A small coded project: two transcripts (one in Russian with LaTeX specials), codes
    with a child, values, a case section, memos of every kind, attributes of both kinds."""
    country = attribute_create(project=project, name="country", applies_to=Attribute.AppliesTo.EXPERT, actor=owner)
    expert_value_set(expert=expert, attribute=country, value="Germany", actor=owner)
    expert.real_name = "Anna Secretname"
    expert.save()
    e2 = expert_create(project=project, pseudonym="E2", description="former diplomat", actor=owner,
                       real_name="Boris Hiddenname")
    expert_value_set(expert=e2, attribute=country, value="Kazakhstan", actor=owner)
    russian = transcript_create(project=project, title="Interview E2", text=RUSSIAN_TEXT, expert=e2,
                                created_by=owner)
    spillover = code_create(project=project, name="Spill-over", parent=threat, colour="#e06377", actor=owner,
                            description="Fear of contagion.", inclusion="Refugees, militants.",
                            exclusion="Domestic effects.", example="The same crowds at home.")
    section_start, section_end = phrase_span(transcript, "Because Moscow wanted it to. The members feared the same "
                                                         "crowds at home.")
    segment_create(transcript=transcript, start=section_start, end=section_end, coder=owner, cases=[kazakhstan],
                   is_case_section=True)
    s1 = segment_create(transcript=transcript, start=section_start,
                        end=section_start + len("Because Moscow wanted it to."), coder=coder,
                        codes=[russian_interest], values={russian_interest.pk: "high"},
                        memo="Clear statement of Russian will.")
    s2 = segment_create(transcript=transcript, **dict(zip(("start", "end"), phrase_span(
        transcript, "The members feared the same crowds at home."))), coder=owner, codes=[threat, spillover],
        values={threat.pk: "present"})
    s3 = segment_create(transcript=transcript, **dict(zip(("start", "end"), phrase_span(
        transcript, "Nobody wanted to fight Azerbaijan."))), coder=owner, codes=[threat],
        values={threat.pk: "absent"}, cases=[armenia])
    start, end = phrase_span(russian, "Потому что Москва этого хотела & боялась 100% потери влияния; $ и # тоже.")
    s4 = segment_create(transcript=russian, start=start, end=end, coder=coder, codes=[russian_interest, threat],
                        values={russian_interest.pk: "medium"})
    start, end = phrase_span(russian, "Article 4 \\ consensus — \"everyone\" agreed.")
    segment_create(transcript=russian, start=start, end=end, coder=owner, codes=[spillover])
    transcript_cases_set(transcript=russian, cases=[kazakhstan], actor=owner)
    memo_create(project=project, author=owner, title="Project idea", text="Compare threat and interest.")
    memo_create(project=project, author=owner, title="On the code", text="Split it?", code=threat)
    memo_create(project=project, author=coder, text="Kazakhstan is the positive case.", case=kazakhstan)
    memo_create(project=project, author=owner, title="Interview quality", text="Long answers.", transcript=russian)
    memo_create(project=project, author=coder, text="Key passage & more.", segment=s4)
    return {"project": project, "segments": [s1, s2, s3, s4], "russian": russian, "spillover": spillover, "e2": e2}


@pytest.fixture
def demo(db):
    project, _ = load_demo()
    return project


def qdpx_bytes(qde: bytes | str, sources: dict[str, str | bytes] | None = None, *, name: str = "project.qde") -> bytes:
    """A .qdpx zip from a project.qde text and {member path: text} sources."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, qde if isinstance(qde, bytes) else qde.encode("utf-8"))
        for path, text in (sources or {}).items():
            archive.writestr(path, text if isinstance(text, bytes) else text.encode("utf-8"))
    return out.getvalue()


def snapshot(project) -> dict:
    """Every object of a project by its natural key, to compare a project with its re-import."""
    paths = code_paths(project=project)
    codes = {paths[c.pk]: (c.colour, c.description, c.inclusion, c.exclusion, c.example, c.scale, list(c.levels))
             for c in Code.objects.filter(project=project, deleted_at__isnull=True)}
    attributes = {(a.applies_to, a.name): (a.type, list(a.choices), a.is_outcome) for a in project.attributes.all()}
    experts = {e.pseudonym: (e.description, {v.attribute.name: v.value for v in e.values.all()})
               for e in project.experts.prefetch_related("values__attribute")}
    transcripts = {t.title: (t.text, t.expert.pseudonym if t.expert else None,
                             [(u.number, u.speaker, u.start, u.end) for u in t.turns.order_by("number")])
                   for t in project.transcripts.select_related("expert")}
    cases = {c.name: (c.description, {v.attribute.name: v.value for v in c.values.all()},
                      sorted(t.title for t in c.transcripts.all()))
             for c in project.cases.prefetch_related("values__attribute", "transcripts")}
    segments = sorted(
        (s.transcript.title, s.start, s.end, s.quote, s.coder.username, s.memo, s.is_case_section,
         tuple(sorted((paths[c.tag_id], c.value) for c in s.codings.all())),
         tuple(sorted(c.name for c in s.cases.all())))
        for s in Segment.objects.filter(project=project).select_related("transcript", "coder")
        .prefetch_related("codings", "cases"))

    def target(memo):
        if memo.segment_id:
            s = memo.segment
            return ("segment", s.transcript.title, s.start, s.end)
        if memo.transcript_id:
            return ("transcript", memo.transcript.title)
        if memo.case_id:
            return ("case", memo.case.name)
        if memo.code_id:
            return ("code", paths[memo.code_id])
        return ("project",)

    memos = sorted((target(m), m.title, m.text, m.author.username) for m in Memo.objects.filter(project=project))
    return {"codes": codes, "attributes": attributes, "experts": experts, "transcripts": transcripts,
            "cases": cases, "segments": segments, "memos": memos}
