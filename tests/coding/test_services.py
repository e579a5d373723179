"""The codebook, coded passages and notes: the spec of apps/coding/services.py.

Every rejection is checked twice: a ValidationError whose message says what is wrong, and
a database in which not one row changed (tests.snapshot.rejected).
"""
import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection

from apps.comparison.services import factor_add
from apps.cases.services import case_create
from apps.coding.models import Code, Coding, Comment, Memo, Segment
from apps.coding.services import (
    StaleVersion,
    code_create,
    code_delete,
    code_merge,
    code_move,
    code_update,
    comment_create,
    comment_resolve,
    memo_create,
    segment_create,
    segment_delete,
    segment_restore,
    segment_update,
)
from apps.projects.models import Activity
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT, phrase_span
from tests.snapshot import rejected

MOSCOW = "Because Moscow wanted it to."
CROWDS = "The members feared the same crowds at home."
BAKU = "Baku had too many friends in the room."


def code_at(transcript, phrase, coder, codes=(), **kwargs):
    start, end = phrase_span(transcript, phrase)
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=codes, **kwargs)


def codings_of(segment) -> dict[str, str]:
    return {c.tag.name: c.value for c in Coding.objects.filter(content_object=segment).select_related("tag")}


@pytest.fixture
def member_states(project, owner):
    return code_create(project=project, name="Member-state interests", actor=owner)


@pytest.fixture
def foreign_case(other_project, outsider):
    return case_create(project=other_project, name="Belarus 2020", actor=outsider)


# --- code_create ---------------------------------------------------------------------------


def test_code_create_builds_the_codebook(project, owner, member_states):
    code = code_create(project=project, name="  Kazakhstan's   interest ", parent=member_states, colour="#3A7D44",
                       description="What Astana wanted", inclusion="Statements about Astana's aims",
                       exclusion="Russian aims", example="Tokayev needed order", actor=owner)

    assert (code.name, code.parent, code.colour, code.scale, code.levels) == (
        "Kazakhstan's interest", member_states, "#3a7d44", "none", [])
    assert code.slug == "kazakhstans-interest"
    assert (code.inclusion, code.exclusion, code.example) == (
        "Statements about Astana's aims", "Russian aims", "Tokayev needed order")
    assert Activity.objects.filter(project=project, verb="created", target_type="code", target_id=code.pk).exists()


def test_code_create_numbers_siblings_in_order(project, owner, member_states):
    first = code_create(project=project, name="Armenia", parent=member_states, actor=owner)
    second = code_create(project=project, name="Belarus", parent=member_states, actor=owner)
    assert (first.position, second.position) == (0, 1)


def test_a_presence_scale_has_fixed_levels_and_an_ordinal_scale_named_ones(threat, russian_interest):
    assert threat.scale_values == ["present", "absent"]
    assert russian_interest.scale_values == ["low", "medium", "high"]


def test_code_names_are_unique_at_the_top_of_the_codebook(project, owner, threat):
    with rejected("A code called 'Threat perception' exists already at the top of the codebook.", field="name"):
        code_create(project=project, name=" Threat   perception", actor=owner)


def test_code_names_are_unique_under_one_parent(project, owner, member_states):
    code_create(project=project, name="Armenia", parent=member_states, actor=owner)
    with rejected("A code called 'Armenia' exists already under 'Member-state interests'.", field="name"):
        code_create(project=project, name="Armenia", parent=member_states, actor=owner)


def test_the_same_name_is_allowed_under_another_parent_and_in_another_project(project, owner, member_states,
                                                                              threat, other_project_code):
    under_parent = code_create(project=project, name="Threat perception", parent=member_states, actor=owner)
    assert under_parent.parent == member_states
    assert other_project_code.name == threat.name


def test_code_create_rejects_a_parent_of_another_project(project, owner, other_project_code):
    with rejected("The parent code belongs to another project.", field="parent"):
        code_create(project=project, name="Child", parent=other_project_code, actor=owner)


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#gggggg", "123456#", ""])
def test_code_create_rejects_a_bad_colour(project, owner, colour):
    with rejected("is not a colour as #rrggbb.", field="colour"):
        code_create(project=project, name="Threat", colour=colour, actor=owner)


@pytest.mark.parametrize("levels, message", [
    ([], "An ordinal scale needs at least two named levels."),
    (["high", " "], "An ordinal scale needs at least two named levels."),
    (["low", "high", "low"], "The levels of a scale must be distinct."),
    (["low", "x" * 101], "A level name has at most 100 characters"),
])
def test_an_ordinal_scale_needs_distinct_named_levels(project, owner, levels, message):
    with rejected(message, field="levels"):
        code_create(project=project, name="Russian interest", scale="ordinal", levels=levels, actor=owner)


@pytest.mark.parametrize("name, message", [(" ", "A code needs a name."),
                                           ("x" * 101, "A code name has at most 100 characters.")])
def test_code_create_rejects_an_empty_or_long_name(project, owner, name, message):
    with rejected(message, field="name"):
        code_create(project=project, name=name, actor=owner)


def test_code_create_rejects_an_unknown_scale(project, owner):
    with rejected("Unknown scale 'likert'", field="scale"):
        code_create(project=project, name="Threat", scale="likert", actor=owner)


# --- code_update ---------------------------------------------------------------------------


def test_code_update_renames_recolours_and_describes(owner, threat):
    code_update(code=threat, name="Shared threat perception", colour="#AA0000", description="All members",
                actor=owner)
    threat.refresh_from_db()
    assert (threat.name, threat.slug, threat.colour, threat.description) == (
        "Shared threat perception", "shared-threat-perception", "#aa0000", "All members")
    record = Activity.objects.filter(verb="updated", target_id=threat.pk).get()
    assert (record.before["name"], record.after["name"]) == ("Threat perception", "Shared threat perception")


def test_code_update_rejects_a_name_a_sibling_has(owner, threat, russian_interest):
    with rejected("A code called 'Threat perception' exists already at the top of the codebook.", field="name"):
        code_update(code=russian_interest, name="Threat perception", actor=owner)


def test_code_update_keeps_its_own_name(owner, threat):
    assert code_update(code=threat, name="Threat perception", actor=owner).name == "Threat perception"


def test_code_update_rejects_a_bad_colour(owner, threat):
    with rejected("'blue' is not a colour as #rrggbb.", field="colour"):
        code_update(code=threat, colour="blue", actor=owner)


def test_a_scale_change_is_refused_while_codings_carry_values_off_the_new_scale(transcript, owner, russian_interest):
    code_at(transcript, MOSCOW, owner, [russian_interest], values={russian_interest.pk: "high"})
    code_at(transcript, CROWDS, owner, [russian_interest], values={russian_interest.pk: "medium"})

    with rejected("Codings of 'Russian interest' carry values that are not on the new scale: high, medium.",
                  field="scale"):
        code_update(code=russian_interest, scale="presence", actor=owner)
    with rejected("carry values that are not on the new scale: medium.", field="scale"):
        code_update(code=Code.objects.get(pk=russian_interest.pk), levels=["low", "high"], actor=owner)
    with rejected("carry values that are not on the new scale: high, medium.", field="scale"):
        code_update(code=Code.objects.get(pk=russian_interest.pk), scale="none", actor=owner)


def test_a_scale_change_keeps_the_values_still_on_it(transcript, owner, russian_interest):
    code_at(transcript, MOSCOW, owner, [russian_interest], values={russian_interest.pk: "high"})
    code_update(code=russian_interest, levels=["none", "low", "medium", "high"], actor=owner)
    assert Code.objects.get(pk=russian_interest.pk).levels == ["none", "low", "medium", "high"]


def test_a_code_whose_codings_carry_no_values_may_take_any_scale(transcript, owner, threat):
    code_at(transcript, MOSCOW, owner, [threat])
    code_update(code=threat, scale="ordinal", levels=["weak", "strong"], actor=owner)
    threat.refresh_from_db()
    assert (threat.scale, threat.levels) == ("ordinal", ["weak", "strong"])


# --- code_move -----------------------------------------------------------------------------


def test_code_move_puts_a_code_under_another_parent_and_back_to_the_top(owner, threat, member_states):
    code_move(code=threat, parent=member_states, actor=owner)
    assert Code.objects.get(pk=threat.pk).parent == member_states
    code_move(code=threat, parent=None, actor=owner)
    assert Code.objects.get(pk=threat.pk).parent is None


def test_code_move_refuses_cycles(project, owner, member_states):
    child = code_create(project=project, name="Armenia", parent=member_states, actor=owner)
    grandchild = code_create(project=project, name="Yerevan's view", parent=child, actor=owner)
    for parent in (member_states, child, grandchild):
        with rejected("'Member-state interests' cannot move under itself or one of its children.", field="parent"):
            code_move(code=Code.objects.get(pk=member_states.pk), parent=parent, actor=owner)


def test_code_move_refuses_a_name_taken_in_the_new_parent(project, owner, member_states, threat):
    code_create(project=project, name="Threat perception", parent=member_states, actor=owner)
    with rejected("A code called 'Threat perception' exists already under 'Member-state interests'.", field="name"):
        code_move(code=threat, parent=member_states, actor=owner)


def test_code_move_refuses_a_parent_of_another_project(owner, threat, other_project_code):
    with rejected("The parent code belongs to another project.", field="parent"):
        code_move(code=threat, parent=other_project_code, actor=owner)


# --- code_merge ----------------------------------------------------------------------------


@pytest.fixture
def duplicate_threat(project, owner):
    """A second code for the same idea, made by another coder: the one to merge."""
    return code_create(project=project, name="Common threat", scale="presence", actor=owner)


def test_code_merge_moves_codings_children_and_notes_and_loses_nothing(
        project, transcript, owner, coder, threat, duplicate_threat, russian_interest, kazakhstan):
    only_source = code_at(transcript, MOSCOW, coder, [duplicate_threat], values={duplicate_threat.pk: "present"})
    both = code_at(transcript, CROWDS, coder, [duplicate_threat, threat, russian_interest],
                   values={duplicate_threat.pk: "absent", russian_interest.pk: "low"})
    only_target = code_at(transcript, BAKU, coder, [threat], values={threat.pk: "absent"})
    child = code_create(project=project, name="Crowds at home", parent=duplicate_threat, actor=owner)
    memo = memo_create(project=project, author=owner, text="Same as threat perception?", code=duplicate_threat)
    comment = comment_create(project=project, author=owner, text="Merge these", code=duplicate_threat,
                             case=kazakhstan)
    codings_before = Coding.objects.count()

    code_merge(source=duplicate_threat, target=threat, actor=owner)

    assert not Code.objects.filter(pk=duplicate_threat.pk).exists()
    assert Coding.objects.count() == codings_before - 1  # the segment that had both keeps one coding
    assert codings_of(only_source) == {"Threat perception": "present"}
    assert codings_of(both) == {"Threat perception": "absent", "Russian interest": "low"}
    assert codings_of(only_target) == {"Threat perception": "absent"}
    assert Code.objects.get(pk=child.pk).parent == threat
    assert Memo.objects.get(pk=memo.pk).code == threat
    assert (Comment.objects.get(pk=comment.pk).code, Comment.objects.get(pk=comment.pk).case) == (threat, kazakhstan)
    versions = dict(Segment.objects.values_list("pk", "version"))
    assert (versions[only_source.pk], versions[both.pk], versions[only_target.pk]) == (2, 2, 1)
    assert Activity.objects.filter(verb="merged", summary__contains="2 codings moved").exists()


def test_in_a_merge_the_targets_value_wins_and_an_empty_one_takes_the_sources(transcript, owner, threat,
                                                                               duplicate_threat):
    both_valued = code_at(transcript, MOSCOW, owner, [duplicate_threat, threat],
                          values={duplicate_threat.pk: "absent", threat.pk: "present"})
    target_empty = code_at(transcript, CROWDS, owner, [duplicate_threat, threat],
                           values={duplicate_threat.pk: "absent"})
    code_merge(source=duplicate_threat, target=threat, actor=owner)
    assert codings_of(both_valued) == {"Threat perception": "present"}
    assert codings_of(target_empty) == {"Threat perception": "absent"}


def test_codings_in_the_trash_move_too(transcript, owner, threat, duplicate_threat):
    trashed = code_at(transcript, MOSCOW, owner, [duplicate_threat])
    segment_delete(segment=trashed, actor=owner)
    code_merge(source=duplicate_threat, target=threat, actor=owner)
    assert codings_of(trashed) == {"Threat perception": ""}


def test_code_merge_refuses_itself_its_children_and_other_projects(project, owner, threat, other_project_code):
    child = code_create(project=project, name="Crowds at home", parent=threat, actor=owner)
    with rejected("A code cannot be merged into itself.", field="target"):
        code_merge(source=threat, target=threat, actor=owner)
    with rejected("'Threat perception' cannot be merged into one of its own children.", field="target"):
        code_merge(source=threat, target=child, actor=owner)
    with rejected("Codes of different projects cannot be merged.", field="target"):
        code_merge(source=threat, target=other_project_code, actor=owner)


def test_code_merge_refuses_values_off_the_targets_scale(transcript, owner, threat, russian_interest):
    code_at(transcript, MOSCOW, owner, [russian_interest], values={russian_interest.pk: "high"})
    with rejected("Codings of 'Russian interest' carry values that are not on the scale of 'Threat perception' "
                  "(present, absent): high.", field="target"):
        code_merge(source=russian_interest, target=threat, actor=owner)


def test_code_merge_refuses_a_child_name_taken_under_the_target(project, transcript, owner, threat,
                                                                duplicate_threat):
    code_at(transcript, MOSCOW, owner, [duplicate_threat])
    code_create(project=project, name="Crowds", parent=duplicate_threat, actor=owner)
    code_create(project=project, name="Crowds", parent=threat, actor=owner)
    with rejected("A code called 'Crowds' exists already under 'Threat perception'.", field="name"):
        code_merge(source=duplicate_threat, target=threat, actor=owner)


def test_code_merge_refuses_two_factors_of_the_comparison(project, owner, threat, duplicate_threat):
    factor_add(project=project, code=threat, actor=owner)
    factor_add(project=project, code=duplicate_threat, actor=owner)
    with rejected("Both codes are factors of the comparison", field="target"):
        code_merge(source=duplicate_threat, target=threat, actor=owner)


# --- code_delete ---------------------------------------------------------------------------


def test_code_delete_deletes_an_unused_code(project, owner, threat):
    code_delete(code=threat, actor=owner)
    assert not Code.objects.filter(pk=threat.pk).exists()
    assert Activity.objects.filter(project=project, verb="deleted", target_type="code",
                                   summary="Threat perception").exists()


def test_code_delete_refuses_a_code_with_codings(transcript, owner, threat):
    code_at(transcript, MOSCOW, owner, [threat])
    with rejected("'Threat perception' has 1 coding and 0 child codes; choose a code to move them to.",
                  field="code"):
        code_delete(code=threat, actor=owner)


def test_code_delete_refuses_a_code_with_children(project, owner, threat):
    code_create(project=project, name="Crowds", parent=threat, actor=owner)
    with rejected("has 0 codings and 1 child code;", field="code"):
        code_delete(code=threat, actor=owner)


def test_code_delete_moves_codings_when_told_where(transcript, owner, threat, duplicate_threat):
    segment = code_at(transcript, MOSCOW, owner, [duplicate_threat])
    code_delete(code=duplicate_threat, move_codings_to=threat, actor=owner)
    assert codings_of(segment) == {"Threat perception": ""}
    assert not Code.objects.filter(pk=duplicate_threat.pk).exists()


# --- segment_create ------------------------------------------------------------------------


def test_segment_create_codes_a_passage(project, transcript, coder, threat, russian_interest, kazakhstan):
    start, end = phrase_span(transcript, MOSCOW)
    segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, quote=MOSCOW,
                             codes=[threat, russian_interest], values={russian_interest.pk: "high"},
                             cases=[kazakhstan], memo="Plainly said")

    segment = Segment.objects.get(pk=segment.pk)
    assert (segment.start, segment.end, segment.quote, segment.coder, segment.memo, segment.version) == (
        start, end, MOSCOW, coder, "Plainly said", 1)
    assert segment.project == project
    assert codings_of(segment) == {"Threat perception": "", "Russian interest": "high"}
    assert list(segment.cases.all()) == [kazakhstan]
    assert set(segment.codes.all()) == {threat, russian_interest}  # through taggit's manager too
    assert Activity.objects.filter(verb="coded", target_id=segment.pk, actor=coder).exists()


def test_a_case_section_carries_cases_only(transcript, coder, kazakhstan):
    segment = segment_create(transcript=transcript, start=0, end=len(transcript.text), coder=coder,
                             cases=[kazakhstan], is_case_section=True)
    assert segment.is_case_section and not segment.codings.exists()


def test_segments_may_overlap(transcript, coder, threat, russian_interest):
    code_at(transcript, MOSCOW + " " + CROWDS, coder, [threat])
    code_at(transcript, CROWDS, coder, [russian_interest])
    assert Segment.objects.count() == 2


def test_offsets_count_code_points_after_characters_outside_the_bmp(project, owner, threat):
    transcript = transcript_create(project=project, title="Emoji", text="E1: 🇰🇿 𝔸 then Moscow decided.",
                                   created_by=owner)
    segment = code_at(transcript, "Moscow decided", owner, [threat])
    # "E1: " 4, the flag 2 regional indicators, " " 1, 𝔸 1, " then " 6: 14 code points (17 UTF-16 units).
    assert (segment.start, segment.end, segment.quote) == (14, 28, "Moscow decided")


@pytest.mark.parametrize("start, end", [(-1, 5), (0, len(SAMPLE_TEXT) + 1), (10, 10), (12, 11), ("0", 5), (0, None)])
def test_segment_create_rejects_offsets_out_of_range(transcript, coder, threat, start, end):
    with rejected(f"offsets must satisfy 0 <= start < end <= {len(SAMPLE_TEXT)}", field="end"):
        segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])


def test_segment_create_accepts_the_whole_text(transcript, coder, threat):
    assert segment_create(transcript=transcript, start=0, end=len(SAMPLE_TEXT), coder=coder,
                          codes=[threat]).quote == SAMPLE_TEXT


def test_segment_create_rejects_a_quote_that_does_not_match(transcript, coder, threat):
    start, end = phrase_span(transcript, MOSCOW)
    with rejected(f"the quoted text does not match the transcript at {start}-{end}: expected {MOSCOW!r}, "
                  "got 'Because Moscow wanted it.'", field="quote"):
        segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat],
                       quote="Because Moscow wanted it.")


def test_segment_create_rejects_a_code_of_another_project(transcript, coder, threat, other_project_code):
    with rejected("codes from another project: Threat perception", field="codes"):
        code_at(transcript, MOSCOW, coder, [threat, other_project_code])


def test_segment_create_rejects_a_case_of_another_project(transcript, coder, threat, foreign_case):
    with rejected("cases from another project: Belarus 2020", field="cases"):
        code_at(transcript, MOSCOW, coder, [threat], cases=[foreign_case])


def test_segment_create_rejects_the_same_code_twice(transcript, coder, threat):
    with rejected("a code is given twice", field="codes"):
        code_at(transcript, MOSCOW, coder, [threat, threat])


@pytest.mark.parametrize("code_name, value, message", [
    ("threat", "maybe", "'maybe' is not on the scale of 'Threat perception': present, absent"),
    ("russian_interest", "very high", "'very high' is not on the scale of 'Russian interest': low, medium, high"),
    ("plain", "present", "'present' is not on the scale of 'Alliance response': no values (the code has no scale)"),
])
def test_segment_create_rejects_a_value_off_the_scale(request, project, transcript, owner, code_name, value,
                                                      message):
    code = (code_create(project=project, name="Alliance response", actor=owner) if code_name == "plain"
            else request.getfixturevalue(code_name))
    with rejected(message, field="values"):
        code_at(transcript, MOSCOW, owner, [code], values={code.pk: value})


def test_segment_create_rejects_a_value_for_a_code_not_applied(transcript, coder, threat, russian_interest):
    with rejected(f"a value is given for code {russian_interest.pk}, which is not applied", field="values"):
        code_at(transcript, MOSCOW, coder, [threat], values={russian_interest.pk: "high"})


def test_segment_create_rejects_a_passage_with_no_code_and_no_case(transcript, coder):
    with rejected("choose at least one code or case", field="codes"):
        code_at(transcript, MOSCOW, coder, [])


def test_a_create_that_fails_after_the_segments_insert_stores_nothing(transcript, coder, threat, kazakhstan):
    """The segment, its codings, its cases and its history are one write: the database
    failing on what follows the segment's INSERT (a lost connection, a full disk) takes the
    segment back too. (The statements after it are matched by order, not by their SQL: on
    PostgreSQL a statement prepared earlier on the connection is sent as EXECUTE, the
    segment's INSERT too: known by the name it was prepared under.)"""
    inserted, refused = [], []
    segment_insert = 'INSERT INTO "coding_segment"'
    prepared_as = set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{segment_insert}%"])
            prepared_as = {f"EXECUTE {name}(" for (name,) in cursor.fetchall()}

    def fail_after_the_segment(execute, sql, params, many, context):
        if inserted and not refused:  # the one statement after it; the rollback goes through
            refused.append(sql)
            raise DatabaseError("the disk is full")
        result = execute(sql, params, many, context)
        if segment_insert in sql or any(sql.startswith(execute_it) for execute_it in prepared_as):
            inserted.append(sql)
        return result

    segments, activities = Segment.all_objects.count(), Activity.objects.count()
    with connection.execute_wrapper(fail_after_the_segment), pytest.raises(DatabaseError, match="the disk is full"):
        code_at(transcript, MOSCOW, coder, [threat], cases=[kazakhstan])

    assert inserted and refused  # the segment's row was written, then taken back
    assert (Segment.all_objects.count(), Activity.objects.count()) == (segments, activities)
    assert not Coding.objects.exists() and not kazakhstan.segments.exists()


# --- segment_update ------------------------------------------------------------------------


@pytest.fixture
def segment(transcript, coder, threat):
    return code_at(transcript, MOSCOW, coder, [threat], values={threat.pk: "present"})


def test_segment_update_moves_the_boundaries_and_requotes(transcript, segment, coder):
    start, end = phrase_span(transcript, MOSCOW + " " + CROWDS)
    updated = segment_update(segment=segment, version=1, start=start, end=end, quote=MOSCOW + " " + CROWDS,
                             actor=coder)
    assert (updated.start, updated.end, updated.quote, updated.version) == (start, end, MOSCOW + " " + CROWDS, 2)
    assert Segment.objects.get(pk=segment.pk).version == 2


def test_segment_update_moves_one_boundary(transcript, segment, coder):
    end = phrase_span(transcript, "Because Moscow")[1]
    assert segment_update(segment=segment, version=1, end=end, actor=coder).quote == "Because Moscow"


@pytest.mark.parametrize("start, end", [(-1, None), (None, len(SAMPLE_TEXT) + 1), (None, 0)])
def test_segment_update_rejects_boundaries_out_of_range(segment, coder, start, end):
    with rejected("offsets must satisfy 0 <= start < end", field="end"):
        segment_update(segment=segment, version=1, start=start, end=end, actor=coder)


def test_segment_update_rejects_a_quote_that_does_not_match(segment, coder):
    with rejected("the quoted text does not match the transcript", field="quote"):
        segment_update(segment=segment, version=1, start=segment.start, end=segment.end, quote="Moscow",
                       actor=coder)


def test_segment_update_with_a_stale_version_raises_with_the_current_state(segment, coder, owner, russian_interest):
    segment_update(segment=segment, version=1, memo="First edit", actor=owner)

    with rejected("was changed by someone else (now version 2); reload and try again.", error=StaleVersion) as info:
        segment_update(segment=segment, version=1, memo="Second edit", actor=coder)
    current = info.value.current
    assert (current.pk, current.version, current.memo) == (segment.pk, 2, "First edit")


def test_segment_update_replaces_codes_and_keeps_values_of_codes_kept(segment, coder, threat, russian_interest):
    segment_update(segment=segment, version=1, codes=[threat, russian_interest], actor=coder)
    assert codings_of(segment) == {"Threat perception": "present", "Russian interest": ""}

    segment_update(segment=segment, version=2, values={russian_interest.pk: "medium"}, actor=coder)
    assert codings_of(segment) == {"Threat perception": "", "Russian interest": "medium"}

    segment_update(segment=segment, version=3, codes=[russian_interest], actor=coder)
    assert codings_of(segment) == {"Russian interest": "medium"}
    assert Coding.objects.filter(content_object=segment).count() == 1


def test_segment_update_rejects_codes_and_values_that_do_not_fit(segment, coder, threat, other_project_code):
    with rejected("codes from another project: Threat perception", field="codes"):
        segment_update(segment=segment, version=1, codes=[other_project_code], actor=coder)
    with rejected("'high' is not on the scale of 'Threat perception'", field="values"):
        segment_update(segment=segment, version=1, values={threat.pk: "high"}, actor=coder)


def test_segment_update_sets_and_clears_cases(segment, coder, kazakhstan, armenia, foreign_case):
    changed = segment_update(segment=segment, version=1, cases=[kazakhstan, armenia], actor=coder)
    assert set(changed.cases.all()) == {kazakhstan, armenia}
    with rejected("cases from another project: Belarus 2020", field="cases"):
        segment_update(segment=segment, version=2, cases=[foreign_case], actor=coder)
    segment_update(segment=segment, version=2, cases=[], actor=coder)
    assert not Segment.cases.through.objects.filter(segment_id=segment.pk).exists()


def test_a_segment_keeps_at_least_one_code_or_case(segment, coder, kazakhstan):
    with rejected("a segment keeps at least one code or case; delete it instead", field="codes"):
        segment_update(segment=segment, version=1, codes=[], actor=coder)
    segment_update(segment=segment, version=1, codes=[], cases=[kazakhstan], actor=coder)
    assert not Coding.objects.filter(content_object_id=segment.pk).exists()


def test_segment_update_refuses_a_segment_in_the_trash(segment, coder):
    segment_delete(segment=segment, actor=coder)
    with rejected("This segment was deleted.", field="segment"):
        segment_update(segment=segment, version=2, memo="too late", actor=coder)


# --- the trash -----------------------------------------------------------------------------


def test_a_deleted_segment_goes_to_the_trash_with_its_codings_and_cases(segment, coder, kazakhstan):
    segment_update(segment=segment, version=1, cases=[kazakhstan], actor=coder)
    trashed = segment_delete(segment=segment, actor=coder, version=2)

    assert not Segment.objects.filter(pk=segment.pk).exists()
    kept = Segment.all_objects.get(pk=segment.pk)
    assert kept.deleted_at is not None and kept.deleted_by == coder and trashed.version == 3
    assert codings_of(kept) == {"Threat perception": "present"}
    assert list(kept.cases.all()) == [kazakhstan]


def test_segment_restore_brings_it_back_as_it_was(segment, coder):
    segment_delete(segment=segment, actor=coder)
    restored = segment_restore(segment=segment, actor=coder)

    assert Segment.objects.get(pk=segment.pk).deleted_at is None
    assert (restored.deleted_by, restored.version) == (None, 3)
    assert codings_of(restored) == {"Threat perception": "present"}


def test_the_trash_refuses_twice_and_restores_only_what_it_holds(segment, coder):
    with rejected("This segment is not in the trash.", field="segment"):
        segment_restore(segment=segment, actor=coder)
    segment_delete(segment=segment, actor=coder)
    with rejected("This segment is in the trash already.", field="segment"):
        segment_delete(segment=segment, actor=coder)


def test_a_segment_deleted_through_a_copy_read_before_an_edit_is_recorded_as_it_stands(segment, coder):
    segment_update(segment=segment, version=1, memo="edited", actor=coder)  # `segment` still says version 1
    trashed = segment_delete(segment=segment, actor=coder)

    assert (trashed.version, trashed.memo) == (3, "edited")
    assert Segment.all_objects.get(pk=segment.pk).version == 3
    before = Activity.objects.get(verb="deleted", target_id=segment.pk).before
    assert (before["memo"], before["version"], before["codes"]) == ("edited", 3, {"Threat perception": "present"})


def test_segment_delete_with_a_stale_version_raises(segment, coder):
    segment_update(segment=segment, version=1, memo="edited", actor=coder)
    with rejected("now version 2", error=StaleVersion) as info:
        segment_delete(segment=segment, actor=coder, version=1)
    assert info.value.current.memo == "edited"


# --- memos and comments --------------------------------------------------------------------


def test_memo_create_writes_on_the_project_or_one_object(project, owner, threat, segment, kazakhstan, transcript):
    on_project = memo_create(project=project, author=owner, title=" Method ", text="Why MSSD")
    on_code = memo_create(project=project, author=owner, text="Too broad?", code=threat)
    on_segment = memo_create(project=project, author=owner, text="Key quote", segment=segment)

    assert (on_project.title, on_project.target) == ("Method", project)
    assert on_code.target == threat and on_segment.target == segment
    assert memo_create(project=project, author=owner, text="x", case=kazakhstan).target == kazakhstan
    assert memo_create(project=project, author=owner, text="x", transcript=transcript).target == transcript


def test_memo_create_rejects_an_empty_text_two_targets_and_foreign_targets(project, owner, threat, kazakhstan,
                                                                           other_project_code, foreign_case):
    with rejected("A memo needs some text.", field="text"):
        memo_create(project=project, author=owner, text="  ")
    with rejected("A memo belongs to the project or to one object in it.", field="target"):
        memo_create(project=project, author=owner, text="x", code=threat, case=kazakhstan)
    with rejected("That code belongs to another project.", field="code"):
        memo_create(project=project, author=owner, text="x", code=other_project_code)
    with rejected("That case belongs to another project.", field="case"):
        memo_create(project=project, author=owner, text="x", case=foreign_case)
    with rejected("A memo title has at most 200 characters.", field="title"):
        memo_create(project=project, author=owner, text="x", title="t" * 201)


def test_memo_create_rejects_a_transcript_or_segment_of_another_project(project, owner, other_project, outsider):
    foreign_transcript = transcript_create(project=other_project, title="T", text=SAMPLE_TEXT, created_by=outsider)
    foreign_code = code_create(project=other_project, name="C", actor=outsider)
    foreign_segment = code_at(foreign_transcript, MOSCOW, outsider, [foreign_code])
    with rejected("That transcript belongs to another project.", field="transcript"):
        memo_create(project=project, author=owner, text="x", transcript=foreign_transcript)
    with rejected("That segment belongs to another project.", field="segment"):
        memo_create(project=project, author=owner, text="x", segment=foreign_segment)


def test_a_comment_sits_on_a_matrix_cell_and_a_reply_on_the_same_cell(project, reviewer, coder, threat,
                                                                       kazakhstan):
    remark = comment_create(project=project, author=reviewer, text="Only two experts say so", code=threat,
                            case=kazakhstan)
    reply = comment_create(project=project, author=coder, text="E5 too, see ¶14", parent=remark)

    assert (remark.code, remark.case) == (threat, kazakhstan)
    assert (reply.parent, reply.code, reply.case) == (remark, threat, kazakhstan)


def test_comment_create_rejects_bad_targets(project, reviewer, threat, transcript, other_project_code, other_project,
                                            outsider):
    foreign_comment = comment_create(project=other_project, author=outsider, text="theirs")
    with rejected("A comment needs some text.", field="text"):
        comment_create(project=project, author=reviewer, text="\n")
    with rejected("A comment is on the project, one object, or a matrix cell (code and case).", field="target"):
        comment_create(project=project, author=reviewer, text="x", code=threat, transcript=transcript)
    with rejected("That code belongs to another project.", field="code"):
        comment_create(project=project, author=reviewer, text="x", code=other_project_code)
    with rejected("That comment belongs to another project.", field="parent"):
        comment_create(project=project, author=reviewer, text="x", parent=foreign_comment)


def test_comment_resolve_closes_and_reopens_a_comment(project, reviewer, coder, segment):
    comment = comment_create(project=project, author=reviewer, text="Boundary too wide?", segment=segment)

    comment_resolve(comment=comment, actor=coder)
    comment.refresh_from_db()
    assert comment.resolved_at is not None and comment.resolved_by == coder

    comment_resolve(comment=comment, actor=coder, resolved=False)
    comment.refresh_from_db()
    assert comment.resolved_at is None and comment.resolved_by is None
    assert list(Activity.objects.filter(target_type="comment").values_list("verb", flat=True)[:2]) == [
        "reopened", "resolved"]


def test_validation_errors_carry_a_message_per_field(transcript, coder):
    with pytest.raises(ValidationError) as info:
        code_at(transcript, MOSCOW, coder, [])
    assert info.value.message_dict == {"codes": ["choose at least one code or case"]}


def test_code_merge_into_a_code_without_scale_refuses_any_value(project, transcript, owner, threat):
    plain = code_create(project=project, name="Alliance response", actor=owner)
    code_at(transcript, MOSCOW, owner, [threat], values={threat.pk: "present"})
    with rejected("not on the scale of 'Alliance response' (none (it has no scale)): present.", field="target"):
        code_merge(source=threat, target=plain, actor=owner)
    code_merge(source=plain, target=threat, actor=owner)  # the other way round nothing is off the scale
