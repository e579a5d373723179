"""A small hand-built study whose matrix can be worked out on paper (see EXPECTED in
test_selectors.py). Built through the services, so it follows the real rules.

Transcripts (paragraphs are numbered from 0; each is "<speaker>: paragraph <i> ..." words):
  T1, expert E1: section S1 for Kazakhstan over paragraphs 0-3
      a  Threat = present   paragraph 1            (inside S1: Kazakhstan)
      b  Terror             paragraph 2            (inside S1: Kazakhstan; overlaps c)
      c  Russia = high      paragraphs 2-3         (inside S1: Kazakhstan)
      d  Threat = absent    paragraph 6, linked to Armenia
      e  Russia = low       paragraph 7            (no case)
  T2, expert E2: section S2 for Armenia over paragraphs 4-5
      f  Threat = present, Russia = medium   paragraph 1, linked to Kazakhstan
      g  Terror             paragraph 4            (overlaps S2: Armenia)
      k  Terror             paragraph 3 up to where S2 starts (touches S2, does not overlap it: no case)
Spans start after the speaker label ("E1: "), as a selection in the browser does.
  T3, expert E3: the whole transcript belongs to Kyrgyzstan
      h  Threat = absent    paragraph 0            (Kyrgyzstan)
      i  Russia = low       paragraph 1, linked to Kazakhstan (Kyrgyzstan and Kazakhstan)
  T4, expert E1 again (a second interview):
      j  Threat = present   paragraph 0, linked to Kazakhstan
      x  Threat = present   paragraph 1, linked to Kazakhstan, then moved to the trash (counts nowhere)

Codes: Threat (presence) > Terror (no scale); Russia (ordinal low/medium/high).
Case attribute "threat type": Kazakhstan and Kyrgyzstan internal, Armenia external.
Expert attribute "affiliation": E1 and E2 academia, E3 not set.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from apps.cases.models import Attribute
from apps.cases.services import attribute_create, case_create, case_value_set, expert_value_set
from apps.coding.services import code_create, segment_create, segment_delete
from apps.transcripts.services import expert_create, transcript_create


def interview(speaker: str, paragraphs: int = 8) -> str:
    return "\n\n".join(f"{speaker}: paragraph {i} " + " ".join(f"w{i}.{j}" for j in range(3 + i % 4))
                       for i in range(paragraphs))


def paragraph(transcript, first: int, last: int | None = None) -> tuple[int, int]:
    """Code-point span of paragraphs first..last of a transcript's text, after the speaker label."""
    last = first if last is None else last
    starts, position = [], 0
    blocks = transcript.text.split("\n\n")
    for block in blocks:
        starts.append(position)
        position += len(block) + 2
    return starts[first] + blocks[first].index(": ") + 2, starts[last] + len(blocks[last])


@pytest.fixture
def study(project, owner, coder):
    o = SimpleNamespace(project=project)
    o.threat = code_create(project=project, name="Threat", scale="presence", actor=owner)
    o.terror = code_create(project=project, name="Terror", parent=o.threat, actor=owner)
    o.russia = code_create(project=project, name="Russia", scale="ordinal", levels=["low", "medium", "high"],
                           actor=owner)
    o.kz = case_create(project=project, name="Kazakhstan", actor=owner)
    o.am = case_create(project=project, name="Armenia", actor=owner)
    o.kg = case_create(project=project, name="Kyrgyzstan", actor=owner)
    o.threat_type = attribute_create(project=project, name="threat type", applies_to=Attribute.AppliesTo.CASE,
                                     type=Attribute.Type.CATEGORICAL, choices=["internal", "external"], actor=owner)
    for case, value in ((o.kz, "internal"), (o.am, "external"), (o.kg, "internal")):
        case_value_set(case=case, attribute=o.threat_type, value=value, actor=owner)
    o.e1, o.e2, o.e3 = (expert_create(project=project, pseudonym=p, actor=owner) for p in ("E1", "E2", "E3"))
    o.affiliation = attribute_create(project=project, name="affiliation", applies_to=Attribute.AppliesTo.EXPERT,
                                     type=Attribute.Type.TEXT, actor=owner)
    for expert in (o.e1, o.e2):
        expert_value_set(expert=expert, attribute=o.affiliation, value="academia", actor=owner)
    o.t1 = transcript_create(project=project, title="T1", text=interview("E1"), expert=o.e1, created_by=owner)
    o.t2 = transcript_create(project=project, title="T2", text=interview("E2"), expert=o.e2, created_by=owner)
    o.t3 = transcript_create(project=project, title="T3", text=interview("E3"), expert=o.e3, created_by=owner)
    o.t4 = transcript_create(project=project, title="T4", text=interview("E1", 3), expert=o.e1, created_by=owner)
    o.kg.transcripts.add(o.t3)

    def seg(transcript, span, codes=(), values=None, cases=(), section=False, by=coder):
        return segment_create(transcript=transcript, start=span[0], end=span[1], coder=by, codes=codes,
                              values=values or {}, cases=cases, is_case_section=section)

    o.s1 = seg(o.t1, paragraph(o.t1, 0, 3), cases=[o.kz], section=True, by=owner)
    o.a = seg(o.t1, paragraph(o.t1, 1), [o.threat], {o.threat.pk: "present"})
    o.b = seg(o.t1, paragraph(o.t1, 2), [o.terror])
    o.c = seg(o.t1, paragraph(o.t1, 2, 3), [o.russia], {o.russia.pk: "high"})
    o.d = seg(o.t1, paragraph(o.t1, 6), [o.threat], {o.threat.pk: "absent"}, cases=[o.am])
    o.e = seg(o.t1, paragraph(o.t1, 7), [o.russia], {o.russia.pk: "low"}, by=owner)
    o.s2 = seg(o.t2, paragraph(o.t2, 4, 5), cases=[o.am], section=True, by=owner)
    o.f = seg(o.t2, paragraph(o.t2, 1), [o.threat, o.russia], {o.threat.pk: "present", o.russia.pk: "medium"},
              cases=[o.kz])
    o.g = seg(o.t2, paragraph(o.t2, 4), [o.terror])
    o.k = seg(o.t2, (paragraph(o.t2, 3)[0], o.s2.start), [o.terror])
    o.h = seg(o.t3, paragraph(o.t3, 0), [o.threat], {o.threat.pk: "absent"})
    o.i = seg(o.t3, paragraph(o.t3, 1), [o.russia], {o.russia.pk: "low"}, cases=[o.kz])
    o.j = seg(o.t4, paragraph(o.t4, 0), [o.threat], {o.threat.pk: "present"}, cases=[o.kz])
    o.x = seg(o.t4, paragraph(o.t4, 1), [o.threat], {o.threat.pk: "present"}, cases=[o.kz])
    segment_delete(segment=o.x, actor=coder)
    return o


def words(*segments) -> int:
    """Words of the quotes, counted as Transcript.word_count counts a text."""
    return sum(len(s.quote.split()) for s in segments)


def more_segments(study, n: int, coder) -> None:
    """n more coded segments spread over the transcripts and cases (for query-count tests)."""
    transcripts = [study.t1, study.t2, study.t3]
    for i in range(n):
        t = transcripts[i % 3]
        start = (i * 7) % (len(t.text) - 30)
        segment_create(transcript=t, start=start, end=start + 20 + i % 9, coder=coder,
                       codes=[[study.threat, study.terror, study.russia][i % 3]],
                       cases=[[study.kz, study.am, study.kg][i % 3]] if i % 2 else [])


def analytic(n: int = 1) -> int:
    """Statements around n large aggregates on PostgreSQL inside a test's transaction: a
    savepoint, the setting that turns JIT off, the release (none on SQLite)."""
    from django.db import connection

    return 3 * n if connection.vendor == "postgresql" else 0
