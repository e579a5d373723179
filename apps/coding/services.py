"""Every write to the codebook, segments, codings, memos and comments.

Views, the API, commands, importers and seed_demo all call these functions, so each rule
(offsets in range, codes of the same project, values on the code's scale, optimistic
versions, the trash) lives here once.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import CharField, F, IntegerField, Value
from django.utils import timezone
from django.utils.text import slugify

from apps.cases.models import Case
from apps.projects.access import listed_briefly
from apps.projects.compiled import CompiledRead, execute_prepared_together, insert_row, insert_statements
from apps.projects.limits import COMMENT, DESCRIPTION, IDS, MEMO, VALUES, check_limits
from apps.projects.models import Activity, Membership, Project, Role
from apps.projects.services import activities_record, activity_build, activity_record
from apps.transcripts.models import Transcript
from apps.transcripts.services import transcript_text_replace

from .colours import distinct_colour
from .models import Code, Coding, Comment, Memo, Segment
from .reanchoring import MOVED, UNCHANGED, Anchor, Reanchored, reanchor_one
from .selectors import case_membership_sql, code_subtree_ids, membership_table
from .signals import code_merged

COLOUR_HELP = "a colour as #rrggbb"


def pluralize(n: int) -> str:
    return "" if n == 1 else "s"


class StaleVersion(Exception):
    """The object changed since the caller read it; `current` is its state now."""

    def __init__(self, current):
        self.current = current
        super().__init__(f"{current._meta.verbose_name} {current.pk} was changed by someone else "
                         f"(now version {current.version}); reload and try again.")


# --- codes -----------------------------------------------------------------------------

def _code_check_name(*, project: Project, name: str, parent: Code | None, exclude: Code | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "A code needs a name."})
    if len(name) > 100:
        raise ValidationError({"name": "A code name has at most 100 characters."})
    siblings = Code.objects.filter(project=project, parent=parent, deleted_at__isnull=True, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        where = f"under '{parent.name}'" if parent else "at the top of the codebook"
        raise ValidationError({"name": f"A code called '{name}' exists already {where}."})
    return name


def _code_check_scale(scale: str, levels: Sequence[str]) -> list[str]:
    if scale not in Code.Scale.values:
        raise ValidationError({"scale": f"Unknown scale {scale!r}; choose one of {', '.join(Code.Scale.values)}."})
    levels = [str(level).strip() for level in levels if str(level).strip()]
    if scale == Code.Scale.ORDINAL:
        if len(levels) < 2:
            raise ValidationError({"levels": "An ordinal scale needs at least two named levels."})
        if len(set(levels)) != len(levels):
            raise ValidationError({"levels": "The levels of a scale must be distinct."})
        too_long = [level for level in levels if len(level) > Coding._meta.get_field("value").max_length]
        if too_long:
            raise ValidationError({"levels": f"A level name has at most 100 characters: {too_long[0][:40]}…"})
        return levels
    return []


def _check_colour(colour: str) -> str:
    colour = colour.strip()
    if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in colour[1:]):
        raise ValidationError({"colour": f"{colour!r} is not {COLOUR_HELP}."})
    return colour.lower()


def _code_check_parent(*, project: Project, parent: Code | None) -> None:
    if parent is not None and (parent.project_id != project.pk or parent.deleted_at is not None):
        raise ValidationError({"parent": "The parent code belongs to another project."})


def code_snapshot(code: Code) -> dict:
    return {"name": code.name, "parent": code.parent_id, "colour": code.colour, "scale": code.scale,
            "levels": code.levels, "description": code.description}


@transaction.atomic
def code_create(*, project: Project, name: str, actor, parent: Code | None = None, colour: str | None = None,
                description: str = "", inclusion: str = "", exclusion: str = "", example: str = "",
                scale: str = Code.Scale.NONE, levels: Sequence[str] = ()) -> Code:
    """A new code in the codebook. Without a colour it gets one from a colour-blind-safe
    palette that is far enough from the project's other codes to tell them apart
    (apps.coding.colours.distinct_colour)."""
    check_limits(description=(description, DESCRIPTION), inclusion=(inclusion, DESCRIPTION),
                 exclusion=(exclusion, DESCRIPTION), example=(example, DESCRIPTION), levels=(levels, VALUES))
    _code_check_parent(project=project, parent=parent)
    name = _code_check_name(project=project, name=name, parent=parent)
    if colour is None:
        colour = distinct_colour(Code.objects.filter(project=project, deleted_at__isnull=True)
                                 .values_list("colour", flat=True))
    code = Code(project=project, parent=parent, name=name, slug=slugify(name, allow_unicode=True)[:100] or "code",
                colour=_check_colour(colour), description=description, inclusion=inclusion, exclusion=exclusion,
                example=example, scale=scale, levels=_code_check_scale(scale, levels),
                position=Code.objects.filter(project=project, parent=parent).count())
    code.save()
    activity_record(project=project, actor=actor, verb="created", target=code, summary=name, after=code_snapshot(code))
    return code


@transaction.atomic
def code_update(*, code: Code, actor, name: str | None = None, colour: str | None = None,
                description: str | None = None, inclusion: str | None = None, exclusion: str | None = None,
                example: str | None = None, scale: str | None = None, levels: Sequence[str] | None = None) -> Code:
    """Rename, recolour, describe or rescale a code. Changing the scale keeps only the
    coded values that are still on it, and says so by refusing otherwise."""
    check_limits(description=(description, DESCRIPTION), inclusion=(inclusion, DESCRIPTION),
                 exclusion=(exclusion, DESCRIPTION), example=(example, DESCRIPTION), levels=(levels, VALUES))
    before = code_snapshot(code)
    if name is not None:
        code.name = _code_check_name(project=code.project, name=name, parent=code.parent, exclude=code)
        code.slug = slugify(code.name, allow_unicode=True)[:100] or "code"
    if colour is not None:
        code.colour = _check_colour(colour)
    for attribute, value in (("description", description), ("inclusion", inclusion), ("exclusion", exclusion),
                         ("example", example)):
        if value is not None:
            setattr(code, attribute, value)
    if scale is not None or levels is not None:
        new_scale = scale if scale is not None else code.scale
        new_levels = _code_check_scale(new_scale, levels if levels is not None else code.levels)
        allowed = Code.PRESENCE_LEVELS if new_scale == Code.Scale.PRESENCE else new_levels
        off_scale = Coding.objects.filter(tag=code, content_object__deleted_at__isnull=True).exclude(value="")
        if allowed:
            off_scale = off_scale.exclude(value__in=allowed)
        stray = sorted(set(off_scale.values_list("value", flat=True)))
        if stray:
            raise ValidationError({"scale": f"Codings of '{code.name}' carry values that are not on the new scale: "
                                            f"{', '.join(stray)}. Change those codings first."})
        code.scale, code.levels = new_scale, new_levels
    code.save()
    activity_record(project=code.project, actor=actor, verb="updated", target=code, summary=code.name,
                    before=before, after=code_snapshot(code))
    return code


def _descendant_ids(code: Code) -> set[int]:
    """Ids of the code's descendants, in the trash or not (one query)."""
    parents = dict(Code.objects.filter(project_id=code.project_id).values_list("pk", "parent_id"))
    return code_subtree_ids([code.pk], parents=parents) - {code.pk}


@transaction.atomic
def code_move(*, code: Code, parent: Code | None, actor) -> Code:
    """Put a code under another parent (or at the top); a code cannot move under itself."""
    _code_check_parent(project=code.project, parent=parent)
    if parent is not None and (parent.pk == code.pk or parent.pk in _descendant_ids(code)):
        raise ValidationError({"parent": f"'{code.name}' cannot move under itself or one of its children."})
    _code_check_name(project=code.project, name=code.name, parent=parent, exclude=code)
    before = code_snapshot(code)
    code.parent = parent
    code.position = Code.objects.filter(project=code.project, parent=parent).count()
    code.save()
    activity_record(project=code.project, actor=actor, verb="moved", target=code, summary=code.name,
                    before=before, after=code_snapshot(code))
    return code


@transaction.atomic
def code_merge(*, source: Code, target: Code, actor) -> Code:
    """Merge `source` into `target`: its codings, children, memos and comments move to
    `target`; where a segment has both codes, the one coding keeps target's value (or
    source's, when target's is empty). Nothing coded is lost. Apps above this one move
    their own rows in a receiver of `signals.code_merged`, or refuse the merge there."""
    if source.pk == target.pk:
        raise ValidationError({"target": "A code cannot be merged into itself."})
    if source.project_id != target.project_id:
        raise ValidationError({"target": "Codes of different projects cannot be merged."})
    if target.pk in _descendant_ids(source):
        raise ValidationError({"target": f"'{source.name}' cannot be merged into one of its own children."})
    stray = sorted(set(Coding.objects.filter(tag=source).exclude(value="").exclude(value__in=target.scale_values)
                       .values_list("value", flat=True)))
    if stray:
        allowed = ", ".join(target.scale_values) or "none (it has no scale)"
        raise ValidationError({"target": f"Codings of '{source.name}' carry values that are not on the scale of "
                                         f"'{target.name}' ({allowed}): {', '.join(stray)}. "
                                         "Change the scale or those codings first."})
    before = code_snapshot(source)
    touched = list(Coding.objects.filter(tag=source).values_list("content_object_id", flat=True))
    moved = 0
    for coding in Coding.objects.select_for_update().filter(tag=source).select_related("content_object"):
        twin = Coding.objects.filter(tag=target, content_object_id=coding.content_object_id).first()
        if twin is None:
            coding.tag = target
            coding.save(update_fields=["tag"])
        else:
            if not twin.value and coding.value:
                twin.value = coding.value
                twin.save(update_fields=["value"])
            coding.delete()
        moved += 1
    for child in Code.objects.filter(parent=source):
        _code_check_name(project=target.project, name=child.name, parent=target)
        child.parent = target
        child.save(update_fields=["parent"])
    Memo.objects.filter(code=source).update(code=target)
    Comment.objects.filter(code=source).update(code=target)
    Segment.all_objects.filter(pk__in=touched).update(version=F("version") + 1)
    code_merged.send(sender=Code, source=source, target=target, actor=actor)  # e.g. the comparison's factors
    source.delete()
    activity_record(project=target.project, actor=actor, verb="merged", target=target,
                    summary=f"'{before['name']}' into '{target.name}' ({moved} codings moved)",
                    before=before, after=code_snapshot(target))
    return target


@transaction.atomic
def code_delete(*, code: Code, actor, move_codings_to: Code | None = None) -> None:
    """Delete a code. A code with codings or children is only deleted by merging it into
    another (`move_codings_to`): the caller asks the user first."""
    if move_codings_to is not None:
        code_merge(source=code, target=move_codings_to, actor=actor)
        return
    codings = Coding.objects.filter(tag=code).count()
    children = code.children.count()
    if codings or children:
        raise ValidationError({"code": f"'{code.name}' has {codings} coding{pluralize(codings)} and {children} "
                                       f"child code{pluralize(children)}; "
                                       "choose a code to move them to."})
    before = code_snapshot(code)
    code.delete()
    activity_record(project=code.project, actor=actor, verb="deleted", target_type="code", summary=before["name"],
                    before=before)


# --- case memberships, refreshed once per write (stored below) -------------------------

@dataclass
class _Refreshes:
    """The refreshes asked for inside `case_memberships_refreshed_once`, merged per
    project: whole projects, whole transcripts, and some segments of some transcripts."""

    projects: set[int] = field(default_factory=set)
    transcripts: dict[int, set[int]] = field(default_factory=dict)
    segments: dict[int, list[tuple[set[int], set[int]]]] = field(default_factory=dict)  # (transcripts, segments)
    all_new: bool = True  # every segment refresh was of segments just created
    stored: dict[int, list[int]] | None = None  # after `run`: the case ids stored per segment refreshed
    runs: bool = True  # the outermost collection, which runs the refreshes (a nested one is empty)
    along: list[tuple[str, list]] = field(default_factory=list)  # writes sent with the first store

    def add(self, project_id: int, transcript_ids, segment_ids, new: bool) -> None:
        if transcript_ids is None:
            self.projects.add(project_id)
        elif segment_ids is None:
            self.transcripts.setdefault(project_id, set()).update(int(i) for i in transcript_ids)
        else:
            self.segments.setdefault(project_id, []).append(({int(i) for i in transcript_ids},
                                                             {int(i) for i in segment_ids}))
            self.all_new &= new

    def send_along(self, statements: list[tuple[str, list]]) -> None:
        """Writes whose rows nothing reads before the collection ends (the codings and the
        history of a passage just coded): sent in the round trip of the first refresh, on
        the way out. Inside a nested collection they are written at once: the outer one's
        callers may read them."""
        if self.runs:
            self.along += statements
        else:
            _written_now(statements)

    def _first(self) -> list[tuple[str, list]]:
        along, self.along = self.along, []
        return along

    def run(self) -> None:
        for project_id in sorted(self.projects):
            _case_membership_store(project_id=project_id, first=self._first())
        stored: dict[int, list[int]] = {}
        for project_id, transcript_ids in sorted(self.transcripts.items()):
            if project_id not in self.projects:
                _case_membership_store(project_id=project_id, transcript_ids=transcript_ids, stored=stored,
                                       first=self._first())
        for project_id, groups in sorted(self.segments.items()):
            whole = self.transcripts.get(project_id, set())
            rest = [(t, s) for t, s in groups if not t <= whole]  # those of whole transcripts are stored already
            if rest and project_id not in self.projects:
                _case_membership_store(project_id=project_id, transcript_ids=set().union(*(t for t, _ in rest)),
                                       segment_ids=set().union(*(s for _, s in rest)), new=self.all_new,
                                       stored=stored, first=self._first())
        _written_now(self._first())  # what no refresh took along (none ran)
        if not self.projects:  # a whole project's rows are not returned: too many to hold
            self.stored = stored

    def members(self, segment: Segment) -> list[int] | None:
        """The case ids stored for a segment whose refresh was asked for inside this
        collection, as the refresh wrote them (None when they were not returned)."""
        return None if self.stored is None else sorted(self.stored.get(segment.pk, []))


_refreshes: ContextVar[_Refreshes | None] = ContextVar("case_membership_refreshes", default=None)


@contextmanager
def case_memberships_refreshed_once() -> Iterator[_Refreshes]:
    """Collect every `case_membership_refresh` asked for inside it (by the receivers of
    each save and each change of a segment's cases) and run them once, merged, on the
    way out: a segment created or changed with its cases is refreshed once, not after
    each step. Nested uses collect into the outermost; after an error nothing is run
    (the transaction is rolled back). Also a decorator, inside @transaction.atomic.

    It gives the collection, whose `members` tell after the way out what the refresh
    stored for a segment (an answer need not read it back); a nested use gives an empty
    one, since the outermost runs the refresh."""
    if _refreshes.get() is not None:
        yield _Refreshes(runs=False)
        return
    token = _refreshes.set(_Refreshes())
    try:
        pending = _refreshes.get()
        yield pending
    finally:
        _refreshes.reset(token)
    pending.run()


# --- segments --------------------------------------------------------------------------

def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-"


def segment_bounds_snapped(*, text: str, start: int, end: int) -> tuple[int, int]:
    """`start`/`end` widened to whole words and narrowed past outer spaces, so a passage
    never begins or ends in the middle of a word. Offsets are code points into `text`;
    a range of only spaces and punctuation is returned unchanged."""
    length = len(text)
    start, end = max(0, min(start, length)), max(0, min(end, length))
    if start >= end:
        return start, end
    s, e = start, end
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s >= e:
        return start, end
    while s > 0 and _is_word_char(text[s - 1]) and _is_word_char(text[s]):
        s -= 1
    while e < length and _is_word_char(text[e]) and _is_word_char(text[e - 1]):
        e += 1
    return s, e


def coding_settle(*, segment: Segment, code: Code) -> None:
    """Mark the segment's coding with `code` as the passage's settled finding: kept when a
    disagreement was settled, it counts as primary whoever coded it
    (apps.coding.selectors.primary_codings)."""
    Coding.objects.filter(content_object=segment, tag=code).update(settled=True)


def quote_words(quote: str) -> int:
    """What Segment.words holds: the words of a quote as str.split() counts them (the
    analysis sums them as the "words" measure)."""
    return len(quote.split())


def offsets_check(transcript: Transcript, start: int, end: int, quote: str | None = None) -> str:
    """The transcript's text at [start, end), refused unless those are offsets into it and,
    when `quote` is given, unless it is still that text."""
    length = len(transcript.text)
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= length:
        raise ValidationError({"end": f"offsets must satisfy 0 <= start < end <= {length} (got {start}, {end})"})
    actual = transcript.text[start:end]
    if quote is not None and quote != actual:
        raise ValidationError({"quote": f"the quoted text does not match the transcript at {start}-{end}: "
                                        f"expected {actual[:80]!r}, got {quote[:80]!r}"})
    return actual


def _check_codes(project_id: int, codes: Sequence[Code], values: Mapping[int, str]) -> None:
    foreign = [c.name for c in codes if c.project_id != project_id]
    if foreign:
        raise ValidationError({"codes": f"codes from another project: {listed_briefly(foreign)}"})
    gone = [c.name for c in codes if c.deleted_at is not None]
    if gone:
        raise ValidationError({"codes": f"deleted codes: {listed_briefly(gone)}"})
    if len({c.pk for c in codes}) != len(codes):
        raise ValidationError({"codes": "a code is given twice"})
    by_id = {c.pk: c for c in codes}
    for code_id, value in values.items():
        code = by_id.get(code_id)
        if code is None:
            raise ValidationError({"values": f"a value is given for code {code_id}, which is not applied"})
        if value and value not in code.scale_values:
            allowed = ", ".join(code.scale_values) or "no values (the code has no scale)"
            raise ValidationError({"values": f"{value!r} is not on the scale of '{code.name}': {allowed}"})


def codes_check(*, project_id: int, codes: Sequence[Code], values: Mapping[int, str]) -> None:
    """The rule of segment_create for codes and their values, for a caller that checks
    before it writes (the search's preview of coding every hit)."""
    _check_codes(project_id, list(codes), dict(values))


def _check_cases(project_id: int, cases: Sequence[Case]) -> None:
    foreign = [c.name for c in cases if c.project_id != project_id]
    if foreign:
        raise ValidationError({"cases": f"cases from another project: {listed_briefly(foreign)}"})


def segment_snapshot(segment: Segment, *, codings: Sequence[Coding] | None = None,
                     cases: Sequence[Case] | None = None) -> dict:
    """The segment as the history records it. `codings` and `cases`, when the caller has
    just written them, save reading them back."""
    if codings is None:
        codings = segment.codings.select_related("tag")
    if cases is None:
        cases = segment.cases.all()
    return {
        "start": segment.start, "end": segment.end, "quote": segment.quote[:200], "memo": segment.memo,
        "codes": {c.tag.name: c.value for c in codings},
        "cases": sorted(c.name for c in cases),
        "is_case_section": segment.is_case_section, "version": segment.version,
    }


def _codings_write(segment: Segment, codes: Sequence[Code], values: Mapping[int, str]) -> None:
    wanted = {c.pk: values.get(c.pk, "") or "" for c in codes}
    existing = {c.tag_id: c for c in segment.codings.all()}
    Coding.objects.filter(content_object=segment).exclude(tag_id__in=wanted).delete()
    for code_id, value in wanted.items():
        coding = existing.get(code_id)
        if coding is None:
            Coding.objects.create(content_object=segment, tag_id=code_id, value=value)
        elif coding.value != value:
            coding.value = value
            coding.save(update_fields=["value"])


def _segment_history(segment: Segment, **kwargs) -> Activity:
    """A segment's write for the history (unsaved; the keywords of `activity_build`), tied
    to the segment's transcript so that the project's stamps see which transcript changed
    (Activity.segment_transcript)."""
    return activity_build(target=segment, segment_transcript=segment.transcript_id, **kwargs)


@transaction.atomic
def segment_create(*, transcript: Transcript, start: int, end: int, coder, codes: Sequence[Code] = (),
                   values: Mapping[int, str] | None = None, cases: Sequence[Case] = (), memo: str = "",
                   quote: str | None = None, is_case_section: bool = False) -> Segment:
    """Code a passage. Offsets are code points into transcript.text; `quote`, when given,
    must equal the text between them (the browser sends what the user selected)."""
    codes, cases, values = list(codes), list(cases), dict(values or {})
    check_limits(memo=(memo, MEMO), codes=(codes, IDS), cases=(cases, IDS), values=(values, IDS))
    actual = offsets_check(transcript, start, end, quote)
    _check_codes(transcript.project_id, codes, values)
    _check_cases(transcript.project_id, cases)
    if not codes and not cases:
        raise ValidationError({"codes": "choose at least one code or case"})
    with case_memberships_refreshed_once() as refreshes:
        segment = Segment(project_id=transcript.project_id, transcript=transcript, start=start, end=end,
                          quote=actual, words=quote_words(actual), coder=coder, memo=memo,
                          is_case_section=is_case_section)
        insert_row(segment)
        codings = [Coding(content_object=segment, tag=c, value=values.get(c.pk, "") or "") for c in codes]
        if cases:
            segment.cases.add(*cases)
        activity = _segment_history(segment, project=transcript.project, actor=coder, verb="coded",
                                    summary=f"{', '.join(c.name for c in codes) or 'case section'}: {actual[:80]}",
                                  after=segment_snapshot(segment, codings=codings, cases=cases))
        # Nothing reads them back here: written with the case memberships, in one round trip.
        refreshes.send_along(insert_statements(codings) + insert_statements([activity]))
    # What was just written, for an answer that need not read it back (selectors.segment_written_json).
    segment.written_codings, segment.written_cases = codings, cases
    segment.written_members = refreshes.members(segment)
    return segment


_UNCHANGED = object()


def _check_may_change(segment: Segment, actor) -> None:
    """Under independent coding (Project.independent_coding) a coder changes and deletes
    only their own segments; owners may change any, to settle disagreements."""
    if actor is None or segment.coder_id == actor.pk:
        return
    if not Project.objects.filter(pk=segment.project_id, independent_coding=True).exists():
        return
    if Membership.objects.filter(project_id=segment.project_id, user_id=actor.pk, role=Role.OWNER).exists():
        return
    raise PermissionDenied(f"This project is coded independently: only {segment.coder.username} (or a project "
                           "owner) may change or delete this segment.")


@transaction.atomic
@case_memberships_refreshed_once()
def segment_update(*, segment: Segment, version: int, actor, start: int | None = None, end: int | None = None,
                   quote: str | None = None, codes: Sequence[Code] | None = None,
                   values: Mapping[int, str] | None = None, cases: Sequence[Case] | None = None,
                   memo: str | None = None, is_case_section: bool | None = None) -> Segment:
    """Change a segment's boundaries, codes, values, cases or memo, if nobody else
    changed it since `version` was read (else StaleVersion with the current state)."""
    check_limits(memo=(memo, MEMO), codes=(codes, IDS), cases=(cases, IDS), values=(values, IDS))
    locked = Segment.objects.select_for_update().filter(pk=segment.pk).first()
    if locked is None:
        raise ValidationError({"segment": "This segment was deleted."})
    segment = locked
    _check_may_change(segment, actor)
    if segment.version != version:
        raise StaleVersion(segment)
    before = segment_snapshot(segment)
    transcript = segment.transcript
    if start is not None or end is not None:
        new_start = segment.start if start is None else start
        new_end = segment.end if end is None else end
        segment.quote = offsets_check(transcript, new_start, new_end, quote)
        segment.words = quote_words(segment.quote)
        segment.start, segment.end = new_start, new_end
        segment.needs_review = ""
    if codes is not None or values is not None:
        new_codes = list(codes) if codes is not None else [c.tag for c in segment.codings.select_related("tag")]
        if values is not None:  # a value for a code the segment does not carry is refused, as on create
            new_values = dict(values)
        else:
            kept = {c.pk for c in new_codes}
            new_values = {c.tag_id: c.value for c in segment.codings.all() if c.tag_id in kept}
        _check_codes(segment.project_id, new_codes, new_values)
        _codings_write(segment, new_codes, new_values)
    if cases is not None:
        cases = list(cases)
        _check_cases(segment.project_id, cases)
        segment.cases.set(cases)
    if memo is not None:
        segment.memo = memo
    if is_case_section is not None:
        segment.is_case_section = is_case_section
    if not segment.codings.exists() and not segment.cases.exists():
        raise ValidationError({"codes": "a segment keeps at least one code or case; delete it instead"})
    segment.version += 1
    segment.save()
    _segment_history(segment, project=segment.project, actor=actor, verb="edited", summary=segment.quote[:80],
                     before=before, after=segment_snapshot(segment)).save()
    return segment


def _codings_and_cases_query(segment: int):
    codings = (Coding.objects.filter(content_object_id=segment).order_by()
               .values_list(Value(0, output_field=IntegerField()), "tag_id", "tag__name", "value", "id"))
    cases = (Case.objects.filter(segments=segment).order_by()
             .values_list(Value(1, output_field=IntegerField()), "id", "name",
                          Value("", output_field=CharField()), "position"))
    return codings.union(cases, all=True)


_CODINGS_AND_CASES = CompiledRead(_codings_and_cases_query)


def _codings_and_cases(segment_id: int) -> tuple[list[Coding], list[Case]]:
    """A segment's codings (with their codes' names, in the order they were written) and
    its cases, as the history records them: one query, a union of the two, compiled once."""
    rows = _CODINGS_AND_CASES.rows(segment=segment_id)
    return ([Coding(content_object_id=segment_id, tag=Code(pk=code_id, name=name), value=value)
             for _, code_id, name, value, _ in sorted((r for r in rows if r[0] == 0), key=lambda r: r[4])],
            [Case(pk=case_id, name=name, position=position) for kind, case_id, name, _, position in rows if kind == 1])


@transaction.atomic
def segment_delete(*, segment: Segment, actor, version: int | None = None) -> Segment:
    """Move a segment to the trash; its codings and case links stay for a restore.

    The caller's segment is taken as it was read when the row still has its version
    (every change of a segment's row raises it): the update is conditional on that version,
    so nothing is read again. Otherwise it is read again under a row lock and checked."""
    now = timezone.now()
    trashed = dict(deleted_at=now, deleted_by=actor, version=F("version") + 1, updated_at=now)
    if segment.deleted_at is None and version in (None, segment.version):
        _check_may_change(segment, actor)
        claimed = Segment.objects.filter(pk=segment.pk, version=segment.version).update(**trashed)
    else:
        claimed = False
    if not claimed:  # changed since the caller read it (or in the trash): read it again, locked
        segment = Segment.all_objects.select_for_update(of=("self",)).select_related("coder", "project") \
            .get(pk=segment.pk)
        if segment.deleted_at is not None:
            raise ValidationError({"segment": "This segment is in the trash already."})
        _check_may_change(segment, actor)
        if version is not None and segment.version != version:
            raise StaleVersion(segment)
        Segment.all_objects.filter(pk=segment.pk).update(**trashed)
    segment.deleted_at, segment.deleted_by, segment.updated_at = now, actor, now
    segment.version += 1
    codings, cases = _codings_and_cases(segment.pk)
    with case_memberships_refreshed_once() as refreshes:
        # An update sends no post_save: the refresh the receiver would ask for, knowing the cases.
        segment_memberships_refresh(segment, linked=bool(cases))
        # The history, written with the refresh in one round trip.
        refreshes.send_along(insert_statements([_segment_history(
            segment, project=segment.project, actor=actor, verb="deleted", summary=segment.quote[:80],
            before=segment_snapshot(segment, codings=codings, cases=cases))]))
    # What it holds, for an answer that need not read it back (selectors.segment_written_json).
    segment.written_codings, segment.written_cases = codings, cases
    return segment


def segment_memberships_refresh(segment: Segment, *, new: bool = False, linked: bool | None = None) -> None:
    """Refresh the stored case memberships after a segment was created, moved or put in the
    trash: its own, or its whole transcript's when it is linked to cases (a case section
    that moves or goes changes its neighbours too). `linked`, when the caller knows
    whether it has cases, saves asking; a new segment has none yet."""
    if linked is None:
        linked = not new and Segment.cases.through.objects.filter(segment_id=segment.pk).exists()
    if linked:
        case_membership_refresh(project_id=segment.project_id, transcript_ids=[segment.transcript_id])
    else:
        case_membership_refresh(project_id=segment.project_id, transcript_ids=[segment.transcript_id],
                                segment_ids=[segment.pk], new=new)


@transaction.atomic
def segment_restore(*, segment: Segment, actor) -> Segment:
    """Take a segment back out of the trash, with its codings and cases."""
    locked = Segment.all_objects.select_for_update().get(pk=segment.pk)
    if locked.deleted_at is None:
        raise ValidationError({"segment": "This segment is not in the trash."})
    gone = list(locked.codings.filter(tag__deleted_at__isnull=False).values_list("tag__name", flat=True))
    if gone:
        raise ValidationError({"segment": f"Its codes were deleted since: {', '.join(gone)}."})
    locked.deleted_at = None
    locked.deleted_by = None
    locked.version += 1
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])
    _segment_history(locked, project=locked.project, actor=actor, verb="restored", summary=locked.quote[:80],
                     after=segment_snapshot(locked)).save()
    return locked


# --- many passages at once (the search codes every hit, a project import) -------------------

@dataclass(frozen=True)
class NewSegment:
    """One passage for `segments_create_bulk`, with its own codes, values, cases and coder."""

    transcript: Transcript
    start: int
    end: int
    coder: object
    codes: Sequence[Code] = ()
    values: Mapping[int, str] = field(default_factory=dict)
    cases: Sequence[Case] = ()
    memo: str = ""
    is_case_section: bool = False


@transaction.atomic
def segments_create_bulk(*, passages: Sequence[NewSegment], record: bool = False) -> list[Segment]:
    """Code many passages in one write: every passage passes the checks of `segment_create`
    before any row is written, then segments, codings and case links go in a few
    statements per table and the stored case memberships are refreshed once. `record`:
    one "coded" Activity per segment, as `segment_create` records (a project import keeps
    each segment's history); without it the caller records the batch as it sees fit."""
    passages = list(passages)
    if not passages:
        return []
    project_ids = {p.transcript.project_id for p in passages}
    if len(project_ids) != 1:
        raise ValidationError({"spans": "the passages belong to transcripts of different projects"})
    project_id = project_ids.pop()
    rows, quotes = [], []
    for p in passages:
        check_limits(memo=(p.memo, MEMO), codes=(p.codes, IDS), cases=(p.cases, IDS), values=(p.values, IDS))
        actual = offsets_check(p.transcript, p.start, p.end, None)
        _check_codes(project_id, list(p.codes), dict(p.values))
        _check_cases(project_id, list(p.cases))
        if not p.codes and not p.cases:
            raise ValidationError({"codes": "choose at least one code or case"})
        rows.append(Segment(project_id=project_id, transcript=p.transcript, start=p.start, end=p.end, quote=actual,
                            words=quote_words(actual), coder=p.coder, memo=p.memo,
                            is_case_section=p.is_case_section))
    segments = Segment.objects.bulk_create(rows, batch_size=1000)
    codings = Coding.objects.bulk_create([Coding(content_object=s, tag=c, value=p.values.get(c.pk, "") or "")
                                          for s, p in zip(segments, passages) for c in p.codes], batch_size=1000)
    through = Segment.cases.through
    through.objects.bulk_create([through(segment_id=s.pk, case_id=c.pk)
                                 for s, p in zip(segments, passages) for c in p.cases], batch_size=1000)
    transcript_ids = sorted({s.transcript_id for s in segments})
    if any(p.cases for p in passages):  # new case-linked segments change what their neighbours count for
        case_membership_refresh(project_id=project_id, transcript_ids=transcript_ids)
    else:
        case_membership_refresh(project_id=project_id, transcript_ids=transcript_ids,
                                segment_ids=[s.pk for s in segments], new=True)
    if record:
        codings_of: dict[int, list[Coding]] = {}
        for coding in codings:
            codings_of.setdefault(coding.content_object_id, []).append(coding)
        project = passages[0].transcript.project
        activities_record([_segment_history(
            s, project=project, actor=p.coder, verb="coded",
            summary=f"{', '.join(c.name for c in p.codes) or 'case section'}: {s.quote[:80]}",
            after=segment_snapshot(s, codings=codings_of.get(s.pk, []), cases=list(p.cases)))
            for s, p in zip(segments, passages)])
    return segments


def segments_create_many(*, spans: Sequence[tuple[Transcript, int, int]], coder, codes: Sequence[Code] = (),
                         values: Mapping[int, str] | None = None, cases: Sequence[Case] = (),
                         memo: str = "") -> list[Segment]:
    """Code many passages with the same codes, values and cases in one write
    (`segments_create_bulk`). It records no Activity per segment: the caller (the
    search's code_all) records the batch as one entry of the history."""
    codes, cases, values = list(codes), list(cases), dict(values or {})
    return segments_create_bulk(passages=[NewSegment(transcript=transcript, start=start, end=end, coder=coder,
                                                     codes=codes, values=values, cases=cases, memo=memo)
                                          for transcript, start, end in spans])


@transaction.atomic
def segments_delete_many(*, segments: Sequence[Segment], actor) -> list[Segment]:
    """Move many segments to the trash at once, under the rule of `segment_delete` (under
    independent coding, only a segment's coder or an owner may). Those in the trash
    already are left as they are. No Activity per segment: the caller records one."""
    ids = [s.pk for s in segments]
    locked = list(Segment.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("coder")
                  .only("id", "project_id", "transcript_id", "coder_id", "coder__username"))
    others = [s for s in locked if actor is not None and s.coder_id != actor.pk]
    if others:
        _check_may_change(others[0], actor)
    # One UPDATE for all (no signals: the memberships are refreshed below).
    now = timezone.now()
    Segment.all_objects.filter(pk__in=[s.pk for s in locked]).update(
        deleted_at=now, deleted_by=actor, version=F("version") + 1, updated_at=now)
    by_project: dict[int, set[int]] = {}
    for segment in locked:
        by_project.setdefault(segment.project_id, set()).add(segment.transcript_id)
    for project_id, transcript_ids in by_project.items():  # bulk: no signals
        case_membership_refresh(project_id=project_id, transcript_ids=sorted(transcript_ids))
    return locked


# --- editing a transcript's text ------------------------------------------------------

@dataclass
class TextEdit:
    """What an edit did: the transcript, how many stretches of text changed, and where
    each segment (also those in the trash) went."""

    transcript: Transcript
    changes: int = 0
    segments: list[Reanchored] = field(default_factory=list)
    activity: Activity | None = None

    @property
    def moved(self) -> list[Reanchored]:
        return [r for r in self.segments if r.status == MOVED]

    @property
    def flagged(self) -> list[Reanchored]:
        return [r for r in self.segments if r.flagged]

    @property
    def unchanged(self) -> list[Reanchored]:
        return [r for r in self.segments if r.status == UNCHANGED]


@transaction.atomic
def transcript_update_text(*, transcript: Transcript, text: str, version: int, actor) -> TextEdit:
    """Correct the text of a transcript that may be coded already.

    The transcripts app stores the text and its turns (transcript_text_replace: a stale
    `version` is StaleTranscript and changes nothing; the text is normalised like an
    import). Every segment, also those in the trash, is then re-anchored by the diff
    (apps.coding.reanchoring): moved with its words, or flagged in Segment.needs_review
    when its words changed or were deleted (then it keeps a place near where they were);
    none is dropped. Moved and flagged segments get a new version, the transcript's case
    memberships are stored again, and one Activity row records the edit.
    """
    replacement = transcript_text_replace(transcript=transcript, text=text, version=version)
    locked, diff = replacement.transcript, replacement.diff
    if diff is None:
        return TextEdit(transcript=locked)
    segments = list(Segment.all_objects.select_for_update().filter(transcript=locked)
                    .only("id", "start", "end", "quote", "words", "needs_review", "version")
                    .order_by("start", "end", "id"))
    now = timezone.now()
    results: list[Reanchored] = []
    changed = []
    for segment in segments:
        result = reanchor_one(diff, Anchor(segment.pk, segment.start, segment.end))
        results.append(result)
        if result.status == UNCHANGED and segment.quote == result.quote:
            continue
        segment.start, segment.end, segment.quote = result.start, result.end, result.quote
        segment.words = quote_words(result.quote)
        if result.flagged:
            segment.needs_review = result.reason[:300]
        if result.status != UNCHANGED:
            segment.version += 1
        segment.updated_at = now
        changed.append(segment)
    if changed:
        Segment.all_objects.bulk_update(changed, ["start", "end", "quote", "words", "needs_review", "version",
                                                  "updated_at"])
        case_membership_refresh(project_id=locked.project_id, transcript_ids=[locked.pk])  # bulk: no signals
    edit = TextEdit(transcript=locked, changes=diff.stretches, segments=results)
    moved, flagged = [r.key for r in edit.moved], [r.key for r in edit.flagged]
    old_text, new_text = diff.old, diff.new
    edit.activity = activity_record(
        project=locked.project, actor=actor, verb="edited text", target=locked,
        summary=(f"{locked.title}: {edit.changes} change{pluralize(edit.changes)}; "
                 f"{len(moved)} segment{pluralize(len(moved))} moved, {len(flagged)} flagged"),
        before={"version": version, "words": len(old_text.split()), "characters": len(old_text)},
        after={"version": locked.version, "words": len(new_text.split()), "characters": len(new_text),
               "changes": edit.changes, "moved": moved, "flagged": flagged},
    )
    return edit


# --- stored case memberships ----------------------------------------------------------

# PostgreSQL advisory-lock namespace of the refresh ("CC"); the key is the transcript id.
_MEMBERSHIP_LOCK = 0x4343


def case_membership_refresh(*, project_id: int, transcript_ids: Sequence[int] | None = None,
                            segment_ids: Sequence[int] | None = None, new: bool = False) -> None:
    """Store again which segments count for which case (CaseMembership), from the rule:
    those of some transcripts (all of the project's when not given), or only some
    segments of them (`segment_ids`; `new`: segments just created, with no rows yet).

    The receivers in `receivers.py` call it after every change the rule depends on, in
    the writer's transaction; inside `case_memberships_refreshed_once` it is run once at
    the end instead. On PostgreSQL the refresh of a transcript waits for any other
    refresh of it to commit, so that the later one sees the earlier one's segments (two
    coders in one transcript at once); the lock comes last in every write path, so it
    cannot close a cycle with the row locks taken before it.
    """
    if transcript_ids is None and segment_ids is not None:
        raise ValueError("segment_ids narrow transcript_ids: give both")
    pending = _refreshes.get()
    if pending is not None:
        pending.add(project_id, transcript_ids, segment_ids, new)
    else:
        _case_membership_store(project_id=project_id, transcript_ids=transcript_ids, segment_ids=segment_ids,
                               new=new)


def _written_now(statements: Sequence[tuple[str, list]]) -> None:
    """Statements `send_along` held, when no refresh sends them."""
    if statements:
        with connection.cursor() as cursor:
            execute_prepared_together(cursor, list(statements))


def _case_membership_store(*, project_id: int, transcript_ids=None, segment_ids=None, new: bool = False,
                           stored: dict[int, list[int]] | None = None, first: list[tuple[str, list]] = ()) -> None:
    """Store the rows of the rule for the scope; with `stored`, add to it the case ids
    written per segment (the INSERT returns them: no query to read them back). `first`:
    statements sent before, in the same round trip (`_Refreshes.send_along`)."""
    if transcript_ids is None:
        locked = sorted(Transcript.objects.filter(project_id=project_id).values_list("pk", flat=True))
        column, ids = "", []
    else:
        locked = sorted({int(i) for i in transcript_ids})
        if segment_ids is None:
            column, ids = "transcript_id", locked
        else:
            column, ids = "segment_id", sorted({int(i) for i in segment_ids})
        if not ids:
            _written_now(first)
            return
    table = membership_table()
    on_postgresql = connection.vendor == "postgresql"
    # The ids as one array on PostgreSQL: the same statements for every write, which the
    # connection prepares once (planning them took longer than running them, #19). SQLite
    # has no arrays: integers only, written into the SQL (a transcript can have more
    # segments than SQLite takes parameters).
    listed, id_params = ("= ANY(%s)", [ids]) if on_postgresql else (f"IN ({', '.join(map(str, ids))})", [])
    scope = f"s.{'id' if column == 'segment_id' else column} {listed}" if column else ""
    rule, names = case_membership_sql(scope)
    statements: list[tuple[str, list]] = list(first)
    if on_postgresql and locked:
        statements.append(("SELECT pg_advisory_xact_lock(%s::int, k) FROM unnest(%s::int[]) AS k ORDER BY k",
                           [_MEMBERSHIP_LOCK, locked]))
    if not new:
        where, where_params = (f" AND {column} {listed}", id_params) if column else ("", [])
        statements.append((f"DELETE FROM {table} WHERE project_id = %s{where}", [project_id, *where_params]))
    returning = " RETURNING segment_id, case_id" if stored is not None else ""
    rule_params = [value for name in names for value in ([project_id] if name == "project_id" else id_params)]
    statements.append((f"INSERT INTO {table} (project_id, transcript_id, segment_id, case_id) "
                       f"SELECT %s, m.transcript_id, m.segment_id, m.case_id FROM ({rule}) m{returning}",
                       [project_id, *rule_params]))
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        execute_prepared_together(cursor, statements)
        if stored is not None:
            for segment_id, case_id in cursor.fetchall():
                stored.setdefault(segment_id, []).append(case_id)


# --- memos and comments ---------------------------------------------------------------

def _note_targets(project: Project, **targets) -> dict:
    given = {k: v for k, v in targets.items() if v is not None}
    for name, obj in given.items():
        if obj.project_id != project.pk:
            raise ValidationError({name: f"That {name} belongs to another project."})
    return given


@transaction.atomic
def memo_create(*, project: Project, author, text: str, title: str = "", code: Code | None = None,
                case: Case | None = None, transcript: Transcript | None = None,
                segment: Segment | None = None) -> Memo:
    check_limits(text=(text, MEMO))
    if not text.strip():
        raise ValidationError({"text": "A memo needs some text."})
    if len(title.strip()) > Memo._meta.get_field("title").max_length:
        raise ValidationError({"title": "A memo title has at most 200 characters."})
    targets = _note_targets(project, code=code, case=case, transcript=transcript, segment=segment)
    if len(targets) > 1:
        raise ValidationError({"target": "A memo belongs to the project or to one object in it."})
    memo = Memo.objects.create(project=project, author=author, text=text, title=title.strip(), **targets)
    activity_record(project=project, actor=author, verb="wrote memo", target=memo, summary=title or text[:80])
    return memo


@transaction.atomic
def comment_create(*, project: Project, author, text: str, code: Code | None = None, case: Case | None = None,
                   transcript: Transcript | None = None, segment: Segment | None = None,
                   parent: Comment | None = None) -> Comment:
    """A reviewer's remark, or an answer to one (`parent`). A matrix cell is code + case."""
    check_limits(text=(text, COMMENT))
    if not text.strip():
        raise ValidationError({"text": "A comment needs some text."})
    if parent is not None:
        if parent.project_id != project.pk:
            raise ValidationError({"parent": "That comment belongs to another project."})
        code, case, transcript, segment = parent.code, parent.case, parent.transcript, parent.segment
    targets = _note_targets(project, code=code, case=case, transcript=transcript, segment=segment)
    if len(targets) > 1 and set(targets) != {"code", "case"}:
        raise ValidationError({"target": "A comment is on the project, one object, or a matrix cell (code and case)."})
    comment = Comment.objects.create(project=project, author=author, text=text, parent=parent, **targets)
    activity_record(project=project, actor=author, verb="commented", target=comment, summary=text[:80])
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, actor, resolved: bool = True) -> Comment:
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = actor if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    activity_record(project=comment.project, actor=actor, verb="resolved" if resolved else "reopened",
                    target=comment, summary=comment.text[:80])
    return comment
