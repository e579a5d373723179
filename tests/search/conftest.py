"""A small study to search: two interviews with Latin and Cyrillic text, diacritics, an
interviewer and an expert, a case section, a whole-transcript case and two codings."""
from __future__ import annotations

import pytest

from apps.coding.services import segment_create
from apps.search.selectors import SearchParams, search_hits
from apps.transcripts.models import Transcript
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import phrase_span

E3_TEXT = (
    "Interviewer: Why did Russia keep the Kant air base after 2010?\n\n"
    "E3: The air base at Kant mattered to Moscow. Russia wanted the base kept, and Otunbaeva asked Russia for "
    "help in June.\n\n"
    "Interviewer: And Tokaïev in 2022?\n\n"
    "E3: Токаев попросил помощи. Ещё раз: РОССИЯ не хотела терять базу, и российские войска пришли.\n\n"
    "E3: Nobody in the Café de Paris spoke of the base. The Russian interest was plain."
)
E5_TEXT = (
    "Interviewer: Did Russia want to go to Osh?\n\n"
    "E5: Russia had its air base at Kant, and no wish to police Osh. The base was enough."
)


@pytest.fixture
def study(project, owner, coder, threat, russian_interest, kazakhstan, armenia):
    """Interview E3 (expert speaker E3, a case section for Armenia 2022 over ¶2, a segment
    of Russian interest in ¶2 and one of Threat perception linked to Armenia 2022 in ¶5)
    and interview E5, linked as a whole to Kazakhstan 2022."""
    e3 = transcript_create(project=project, title="Interview E3", text=E3_TEXT, created_by=owner,
                           expert=expert_create(project=project, pseudonym="E3", actor=owner), expert_speaker="E3")
    e5 = transcript_create(project=project, title="Interview E5", text=E5_TEXT, created_by=owner,
                           expert=expert_create(project=project, pseudonym="E5", actor=owner), expert_speaker="E5")
    start, end = phrase_span(e3, "The air base at Kant mattered to Moscow. Russia wanted the base kept, and "
                                 "Otunbaeva asked Russia for help in June.")
    segment_create(transcript=e3, start=start, end=end, coder=coder, cases=[armenia], is_case_section=True)
    start, end = phrase_span(e3, "Russia wanted the base kept")
    segment_create(transcript=e3, start=start, end=end, coder=coder, codes=[russian_interest])
    start, end = phrase_span(e3, "The Russian interest was plain.")
    segment_create(transcript=e3, start=start, end=end, coder=coder, codes=[threat], cases=[armenia])
    kazakhstan.transcripts.add(e5)
    return {"e3": e3, "e5": e5}


def found(project, q: str, **filters) -> list[tuple[str, int, str]]:
    """The hits of a search as (expert, ¶, text), in order."""
    hits = search_hits(project=project, params=SearchParams(q=q, **filters)).hits
    texts = {t.pk: (t.expert.pseudonym, t.text) for t in Transcript.objects.filter(project=project)
             .select_related("expert")}
    return [(texts[h.transcript_id][0], h.paragraph, texts[h.transcript_id][1][h.start:h.end]) for h in hits]
