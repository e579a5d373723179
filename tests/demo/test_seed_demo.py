"""The demo study: `seed_demo` loads fixtures/demo/ through the ordinary services.

It gives one project with seven fictional interviews, four cases, a codebook tree and
more than two hundred codings anchored by quoted phrases; running it again changes no
row; and a phrase that no longer matches its transcript stops the load with a message
naming the phrase, storing nothing.
"""
import json
import shutil
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.demo.loader import DEMO_DIR, DEMO_PASSWORD, DEMO_SLUG
from apps.cases.models import Case, CaseValue
from apps.coding.models import Code, Coding, Segment
from apps.projects.models import Project, Role
from apps.transcripts.models import Transcript
from tests.snapshot import changed, table_state

pytestmark = pytest.mark.django_db


def seed(*args, **options) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def test_seed_demo_loads_the_demo_study():
    output = seed()

    project = Project.objects.get()
    assert project.slug == DEMO_SLUG
    assert Transcript.objects.filter(project=project).count() == 7
    assert Case.objects.filter(project=project).count() == 4
    assert Code.objects.filter(project=project).count() >= 15
    assert Segment.objects.filter(project=project).count() >= 200
    assert f"Loaded the demo project '{project.name}' ({DEMO_SLUG})." in output

    # A codebook tree with descriptions, a child per member state.
    assert {"Threat perception", "Russian interest"} <= set(Code.objects.values_list("name", flat=True))
    assert Code.objects.get(name__icontains="member-state").children.count() >= 5
    assert not Code.objects.filter(description="").exists()

    # The outcome: an intervention only in Kazakhstan 2022.
    outcome = CaseValue.objects.filter(attribute__is_outcome=True).select_related("case")
    assert {v.case.name: v.value for v in outcome} == {
        "Kyrgyzstan 2010": False, "Tajikistan 2021": False, "Kazakhstan 2022": True, "Armenia 2022": False}

    # Codings sit on their quoted words; case sections mark the parts about each case.
    assert Coding.objects.count() >= 200
    assert all(s.transcript.text[s.start:s.end] == s.quote for s in Segment.objects.select_related("transcript"))
    assert Segment.objects.filter(is_case_section=True).exists()

    # Every interview says, in its first line as stored, that it is invented.
    for transcript in Transcript.objects.all():
        first_line = transcript.text.split("\n", 1)[0]
        assert "FICTIONAL" in first_line and "invented" in first_line, transcript.title


def test_every_demo_transcript_says_it_is_fictional_in_its_first_line():
    paths = sorted((DEMO_DIR / "transcripts").glob("*.txt"))
    assert len(paths) == 7
    for path in paths:
        first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert "FICTIONAL" in first_line and "invented" in first_line, path.name


def test_the_demo_users_have_their_roles_and_the_demo_password(client):
    output = seed()
    project = Project.objects.get(slug=DEMO_SLUG)
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert (roles["researcher"], roles["supervisor"]) == (Role.OWNER, Role.REVIEWER)
    for username in ["researcher", "supervisor"]:
        user = get_user_model().objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert client.login(username=username, password=DEMO_PASSWORD)
    assert "researcher (owner) / demo-password" in output and "supervisor (reviewer) / demo-password" in output


def test_a_second_run_changes_no_row():
    seed()
    before = table_state()

    output = seed()

    assert changed(before, table_state()) == {}
    assert f"The demo project '{DEMO_SLUG}' exists already; nothing changed." in output


# --- a demo that no longer fits together stores nothing -----------------------------------


@pytest.fixture
def demo_copy(tmp_path):
    target = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, target)
    return target


def last_coding(demo_dir, pseudonym="E7"):
    """The quoted phrase of the last coding of the last interview: the load fails late."""
    return json.loads((demo_dir / "codings" / f"{pseudonym}.json").read_text(encoding="utf-8"))["codings"][-1]["quote"]


def test_a_transcript_edited_under_a_coding_stops_the_load_naming_the_phrase(demo_copy):
    phrase = last_coding(demo_copy)
    transcript_file = demo_copy / "transcripts" / "E7.txt"
    text = transcript_file.read_text(encoding="utf-8")
    assert text.count(phrase) == 1
    words = phrase.split(" ")
    edited = " ".join([*words[:2], "reportedly", *words[2:]])  # an editor's touch inside the coded words
    transcript_file.write_text(text.replace(phrase, edited), encoding="utf-8")
    before = table_state()

    with pytest.raises(CommandError) as info:
        seed(demo_dir=str(demo_copy))

    message = str(info.value)
    assert "The demo was not loaded" in message
    assert repr(phrase) in message and "phrase not found" in message
    assert str(demo_copy / "codings" / "E7.json") in message
    assert changed(before, table_state()) == {}
    assert not get_user_model().objects.filter(username__in=["researcher", "supervisor"]).exists()


def test_a_coding_file_with_a_phrase_that_matches_nothing_stops_the_load(demo_copy):
    codings_file = demo_copy / "codings" / "E1.json"
    data = json.loads(codings_file.read_text(encoding="utf-8"))
    data["codings"][0]["quote"] = "Tokayev never asked for anything."
    codings_file.write_text(json.dumps(data), encoding="utf-8")
    before = table_state()

    with pytest.raises(CommandError, match="phrase not found.*'Tokayev never asked for anything.'"):
        seed(demo_dir=str(demo_copy))
    assert changed(before, table_state()) == {}


def test_a_coding_with_an_unknown_code_stops_the_load(demo_copy):
    codings_file = demo_copy / "codings" / "E2.json"
    data = json.loads(codings_file.read_text(encoding="utf-8"))
    data["codings"][0]["codes"] = {"Alliance cohesion": None}
    codings_file.write_text(json.dumps(data), encoding="utf-8")
    before = table_state()

    with pytest.raises(CommandError, match="unknown code 'Alliance cohesion'"):
        seed(demo_dir=str(demo_copy))
    assert changed(before, table_state()) == {}
