"""A small study to learn from: two interviews whose expert speaks of Russia's bases and
troops (coded Russian interest) and of other things, plus the demo study for the
measured tests."""
from __future__ import annotations

import pytest

from apps.coding.services import code_update, segment_create
from apps.demo.loader import load_demo
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import phrase_span

E2_TEXT = (
    "Interviewer: Why did the alliance act in Kazakhstan?\n\n"
    "E2: Moscow wanted its air base in Kant kept safe. Russia sent its paratroopers because Russian bases "
    "were at stake. The weather in Almaty was cold that week.\n\n"
    "Interviewer: And the others?\n\n"
    "E2: Minsk had elections on its mind. The secretariat wrote a careful statement. Nobody read the charter "
    "twice.\n\n"
    "E2: The Russian troops stayed a fortnight to guard the base. The ministers met in a hotel by the lake."
)
E4_TEXT = (
    "Interviewer: And Tajikistan?\n\n"
    "E4: Russia keeps its largest base abroad in Dushanbe, and Russian soldiers guard it. The border talks were "
    "long. A delegation visited the mountains. The 201st base gave Moscow its reasons to care.\n\n"
    "E4: The coffee at the summit was terrible."
)
CODED = ("Moscow wanted its air base in Kant kept safe.",
         "Russia sent its paratroopers because Russian bases were at stake.",
         "The Russian troops stayed a fortnight to guard the base.")


@pytest.fixture
def study(project, owner, russian_interest, threat):
    """E2 has three sentences coded Russian interest (by the owner) and one coded Threat
    perception; its other sentences say what the code is not. E4 is not coded at all: its
    two sentences on Russia's base are what the engine should find. Only the experts'
    speech is ranked."""
    e2 = transcript_create(project=project, title="Interview E2", text=E2_TEXT, created_by=owner,
                           expert=expert_create(project=project, pseudonym="E2", actor=owner), expert_speaker="E2")
    e4 = transcript_create(project=project, title="Interview E4", text=E4_TEXT, created_by=owner,
                           expert=expert_create(project=project, pseudonym="E4", actor=owner), expert_speaker="E4")
    for sentence in CODED:
        start, end = phrase_span(e2, sentence)
        segment_create(transcript=e2, start=start, end=end, coder=owner, codes=[russian_interest], values={})
    start, end = phrase_span(e2, "Minsk had elections on its mind.")
    segment_create(transcript=e2, start=start, end=end, coder=owner, codes=[threat])
    code_update(code=russian_interest, actor=owner, description="Russia's own stake: its bases, troops and "
                "influence in the requesting state.")
    return {"e2": e2, "e4": e4}


@pytest.fixture
def demo(db):
    """The demo study, loaded through the ordinary services."""
    project, _ = load_demo()
    return project
