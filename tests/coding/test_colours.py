"""New codes get distinct colours (issue #16, build 3): from colour-blind-safe palettes
(Okabe-Ito, Paul Tol), each at least MIN_DISTANCE in OKLab from every other code's colour,
in the service that creates codes, through the API and in a REFI-QDA codebook import."""
import itertools
import json

import pytest

from apps.coding.colours import MIN_DISTANCE, PALETTE, colour_distance, distinct_colour, oklab
from apps.coding.models import Code
from apps.coding.services import code_create, code_delete
from apps.exports.codebook import read_codebook
from apps.exports.services import codebook_import

QDC_WITHOUT_COLOURS = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="a tool without colours">
  <Codes>
    <Code guid="11111111-2222-4333-8444-555555555511" name="Borders" isCodable="true"/>
    <Code guid="11111111-2222-4333-8444-555555555512" name="Refugees" isCodable="true"/>
    <Code guid="11111111-2222-4333-8444-555555555513" name="Militants" isCodable="true" color="not-a-colour"/>
  </Codes>
</CodeBook>"""


def nearest(colour: str, others) -> float:
    return min(colour_distance(colour, other) for other in others)


def assert_apart(colours: list[str], existing: list[str]) -> None:
    for one, other in itertools.combinations(colours, 2):
        assert colour_distance(one, other) >= MIN_DISTANCE, (one, other)
    for colour in colours:
        assert nearest(colour, existing) >= MIN_DISTANCE, colour


# --- the measure --------------------------------------------------------------------------

def test_oklab_of_white_black_and_a_reference_colour():
    assert oklab("#ffffff") == pytest.approx((1.0, 0.0, 0.0), abs=1e-4)
    assert oklab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=1e-4)
    # Ottosson's reference: sRGB red is L 0.628, a 0.225, b 0.126.
    assert oklab("#ff0000") == pytest.approx((0.6280, 0.2249, 0.1258), abs=1e-3)


def test_the_old_default_and_its_neighbour_are_too_close_to_tell_apart():
    """The issue's case: every new code was #f2c14e, next to an existing #edae49."""
    assert colour_distance("#f2c14e", "#edae49") < MIN_DISTANCE
    assert colour_distance("#000000", "#ffffff") == pytest.approx(1.0, abs=1e-4)


def test_the_palette_holds_no_two_colours_alike():
    assert len(set(PALETTE)) == len(PALETTE)
    assert all(colour_distance(a, b) > 0.02 for a, b in itertools.combinations(PALETTE, 2))


def test_a_full_palette_gives_the_colour_farthest_from_the_others():
    chosen = distinct_colour(PALETTE)
    assert chosen in PALETTE and nearest(chosen, PALETTE) == 0  # every palette colour is taken
    almost = [c for c in PALETTE if c != "#332288"]
    assert distinct_colour(almost) == "#332288"


# --- the service --------------------------------------------------------------------------

EXISTING = ["#d1495b", "#edae49", "#00798c", "#30638e"]  # codes the project has already


@pytest.fixture
def coloured_project(project, owner):
    for i, colour in enumerate(EXISTING):
        code_create(project=project, name=f"Existing {i}", colour=colour, actor=owner)
    return project


@pytest.mark.parametrize("n", [2, 12])
def test_new_codes_get_colours_apart_from_each_other_and_from_existing_codes(coloured_project, owner, n):
    new = [code_create(project=coloured_project, name=f"New {i}", actor=owner).colour for i in range(n)]
    assert all(c in PALETTE for c in new)
    assert_apart(new, EXISTING)


def test_a_colour_asked_for_is_kept(project, owner):
    assert code_create(project=project, name="Mine", colour="#EDAE49", actor=owner).colour == "#edae49"


def test_codes_in_the_trash_free_their_colour(project, owner):
    first = code_create(project=project, name="First", actor=owner)
    code_delete(code=first, actor=owner)
    assert code_create(project=project, name="Second", actor=owner).colour == first.colour


def test_another_projects_codes_do_not_count(project, other_project, owner, outsider):
    theirs = code_create(project=other_project, name="Theirs", actor=outsider)
    assert code_create(project=project, name="Ours", actor=owner).colour == theirs.colour == PALETTE[0]


def test_choosing_a_colour_runs_one_query(coloured_project, owner, django_assert_num_queries):
    with django_assert_num_queries(0):
        distinct_colour(EXISTING)
    with django_assert_num_queries(1):
        distinct_colour(Code.objects.filter(project=coloured_project).values_list("colour", flat=True))


# --- the API and the REFI-QDA codebook import -------------------------------------------------

def test_the_api_gives_two_new_codes_without_a_colour_distinct_colours(client_for, coloured_project, coder):
    client = client_for(coder)
    url = f"/api/projects/{coloured_project.slug}/codes"
    colours = [client.post(url, data=json.dumps({"name": name}), content_type="application/json").json()["colour"]
               for name in ("Borders", "Refugees")]
    assert_apart(colours, EXISTING)
    asked = client.post(url, data=json.dumps({"name": "Asked", "colour": "#123456"}), content_type="application/json")
    assert asked.json()["colour"] == "#123456"


def test_codes_imported_without_a_colour_get_distinct_ones(coloured_project, owner):
    plans, report = read_codebook(QDC_WITHOUT_COLOURS.encode(), "codes.qdc")
    codebook_import(project=coloured_project, plans=plans, report=report, actor=owner)
    colours = list(Code.objects.filter(project=coloured_project, name__in=["Borders", "Refugees", "Militants"])
                   .values_list("colour", flat=True))
    assert len(colours) == 3
    assert_apart(colours, EXISTING)
