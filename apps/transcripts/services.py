"""Writes for experts and transcripts. Every path that stores a text goes through
`transcript_create`, so the text is always normalised the same way."""
from __future__ import annotations

import os
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When

from apps.projects.limits import VALUES, check_limits
from apps.projects.models import Project
from apps.projects.services import activity_record

from .anchors import anchors_through
from .diff import TextDiff
from .importers import Dropped, ImportRejected, ParsedTranscript, human_size, parse_upload
from .models import Expert, Transcript, Turn
from .selectors import transcript_speakers
from .signals import transcript_text_stored
from .text import (
    LabelReport,
    Replacement,
    SpeakerChoices,
    TurnSpan,
    checksum,
    normalise_text,
    pseudonymise,
    speakers,
    split_turns,
    word_count,
)


class TitleTaken(ValidationError):
    """Another transcript of the project has this title (an import then picks the next free one)."""

    def __init__(self, title: str):
        super().__init__({"title": f"A transcript called '{title}' exists already in this project."})


class DuplicateTranscript(ValidationError):
    """The same text is in the project already; the caller asks before importing it twice."""

    def __init__(self, existing: Transcript):
        self.existing = existing
        super().__init__(
            {"text": f"The same text is already in this project as '{existing.title}'. "
                     "Import it again only if you mean to."}
        )


@transaction.atomic
def expert_create(*, project: Project, pseudonym: str, actor, description: str = "", real_name: str = "") -> Expert:
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": "An expert needs a pseudonym, e.g. E3."})
    if len(pseudonym) > Expert._meta.get_field("pseudonym").max_length:
        raise ValidationError({"pseudonym": "A pseudonym has at most 40 characters."})
    if len(description) > Expert._meta.get_field("description").max_length:
        raise ValidationError({"description": "An expert's description has at most 300 characters."})
    if len(real_name) > Expert._meta.get_field("real_name").max_length:
        raise ValidationError({"real_name": "A name has at most 200 characters."})
    if project.experts.filter(pseudonym=pseudonym).exists():
        raise ValidationError({"pseudonym": f"The pseudonym {pseudonym} is taken in this project."})
    expert = Expert.objects.create(project=project, pseudonym=pseudonym, description=description, real_name=real_name)
    activity_record(project=project, actor=actor, verb="created", target=expert, summary=pseudonym)
    return expert


def expert_get_or_create(*, project: Project, pseudonym: str, actor, real_name: str = "") -> Expert:
    """The project's expert with this pseudonym, created if there is none; when a concurrent
    request creates the same one meanwhile, that one."""
    expert = project.experts.filter(pseudonym=pseudonym.strip()).first()
    if expert is not None:
        return expert
    try:
        return expert_create(project=project, pseudonym=pseudonym, actor=actor, real_name=real_name)
    except IntegrityError:  # created and committed by a concurrent request since the look-up
        return project.experts.get(pseudonym=pseudonym.strip())


# How many numbers an import tries when concurrent imports keep taking the next free E<n>.
NUMBERING_ATTEMPTS = 200


def expert_numbered_create(*, project: Project, actor, at_least: int = 1, real_name: str = "") -> Expert:
    """A new expert E<n>, n the next free number (and at least `at_least`).

    Safe when several imports number experts at once, without a lock on the project: the
    unique constraint on (project, pseudonym) decides, and an import that lost a number to
    a concurrent one takes the next. On PostgreSQL an import first claims its number with a
    lock on that number alone (until commit), so concurrent imports skip each other's
    numbers instead of waiting for each other's commit.
    """
    number = max(at_least, _next_expert_number(project))
    for _ in range(NUMBERING_ATTEMPTS):
        if _number_claimed(project, number):
            try:
                return expert_create(project=project, pseudonym=f"E{number}", actor=actor, real_name=real_name)
            except IntegrityError:  # E<number> was created (not by an import) and committed meanwhile
                pass
            except ValidationError as error:  # taken already when we looked
                if "pseudonym" not in error.message_dict:
                    raise
        number = max(number + 1, _next_expert_number(project))
    raise ValidationError({"expert": "Too many imports number experts at this moment; import the file again."})


_EXPERT_NUMBER_LOCK = 0x4558  # "EX": the namespace of the advisory locks below


def _number_claimed(project: Project, number: int) -> bool:
    """Whether this transaction may take E<number>: on PostgreSQL, no concurrent import holds
    it (a lock on the number, kept until commit); elsewhere writers take turns anyway."""
    if connection.vendor != "postgresql":
        return True
    key = zlib.crc32(f"{project.pk}:E{number}".encode()) - 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_EXPERT_NUMBER_LOCK, key])
        return cursor.fetchone()[0]


def _next_expert_number(project: Project) -> int:
    numbers = [int(m.group(1)) for p in project.experts.values_list("pseudonym", flat=True)
               if (m := _EXPERT_NUMBER.fullmatch(p))]
    return max(numbers, default=0) + 1


TURNS_PER_INSERT = 2000


def turns_replace(*, transcript: Transcript, turns: Sequence[TurnSpan]) -> None:
    """Store the turns of a transcript, numbered from 1 in text order."""
    text_length = len(transcript.text)
    previous_end = 0
    for turn in turns:
        if not previous_end <= turn.start < turn.end <= text_length:
            raise ValidationError({"turns": f"turn {turn.speaker!r} [{turn.start}:{turn.end}] is outside the text "
                                            "or overlaps the turn before it"})
        previous_end = turn.end
    transcript.turns.all().delete()
    _turns_insert(transcript=transcript, turns=turns)


def _turns_insert(*, transcript: Transcript, turns: Sequence[TurnSpan]) -> None:
    """INSERT the rows with executemany in slices (COPY on PostgreSQL). A long interview has
    tens or hundreds of thousands of turns, and bulk_create spends most of its time making a
    model instance and compiling SQL for each row (a 20 MB file: seconds for bulk_create, a
    fraction for this). The values go through the fields' own preparation, as the ORM's would."""
    meta = Turn._meta.get_field("meta")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Turn._meta.get_field(name).column)
                        for name in ("transcript", "number", "speaker", "start", "end", "meta"))
    sql = f"INSERT INTO {quote(Turn._meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"
    no_meta = meta.get_db_prep_save({}, connection)

    def rows(first: int):
        return ((transcript.pk, number, t.speaker[:100], t.start, t.end,
                 meta.get_db_prep_save(t.meta, connection) if t.meta else no_meta)
                for number, t in enumerate(turns[first:first + TURNS_PER_INSERT], start=first + 1))

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: PostgreSQL's bulk load, several times faster
            with cursor.copy(f"COPY {quote(Turn._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for first in range(0, len(turns), TURNS_PER_INSERT):
                    for row in rows(first):
                        copy.write_row(row)
            return
        for first in range(0, len(turns), TURNS_PER_INSERT):
            cursor.executemany(sql, list(rows(first)))


@transaction.atomic
def transcript_create(*, project: Project, title: str, text: str, created_by, expert: Expert | None = None,
                      turns: Sequence[TurnSpan] | None = None, source_filename: str = "", source_format: str = "",
                      expert_speaker: str = "", pseudonym_map: list | None = None,
                      speaker_choices: SpeakerChoices = SpeakerChoices(),
                      allow_duplicate: bool = False) -> Transcript:
    """Store an interview: normalised text, checksum, and its turns.

    `turns` come from an importer that knows more than the plain-text convention (subtitle
    timestamps, bold names in Word); they must index into the normalised text.
    `speaker_choices` are the preview's corrections, which split the text when there are
    no `turns` and again whenever it is edited.
    """
    title = title.strip()
    if not title:
        raise ValidationError({"title": "A transcript needs a title."})
    if len(title) > Transcript._meta.get_field("title").max_length:
        raise ValidationError({"title": "A transcript title has at most 200 characters."})
    stored = normalise_text(text)
    if not stored.strip():
        raise ValidationError({"text": f"'{title}' contains no text."})
    if turns is not None and stored != text:
        raise ValidationError({"text": "turns were given for a text that is not normalised"})
    if expert is not None and expert.project_id != project.pk:
        raise ValidationError({"expert": "That expert belongs to another project."})
    digest = checksum(stored)
    _same_text_lock(project, digest)
    if project.transcripts.filter(title=title).exists():
        raise TitleTaken(title)
    existing = project.transcripts.filter(checksum=digest).first()
    if existing is not None and not allow_duplicate:
        raise DuplicateTranscript(existing)
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(
                project=project, title=title, text=stored, checksum=digest, expert=expert, created_by=created_by,
                source_filename=source_filename[:255], source_format=source_format[:20],
                expert_speaker=expert_speaker, pseudonym_map=pseudonym_map or [],
                speaker_choices=speaker_choices.as_json() if speaker_choices else {},
            )
    except IntegrityError:  # the same title, committed by a concurrent import since the test above
        raise TitleTaken(title) from None
    spans = split_turns(stored, speaker_choices) if turns is None else turns
    turns_replace(transcript=transcript, turns=spans)
    transcript_text_stored.send(sender=Transcript, transcript=transcript, turns=spans, created=True)
    activity_record(project=project, actor=created_by, verb="imported", target=transcript,
                    summary=f"{title} ({word_count(stored)} words)")
    return transcript


_SAME_TEXT_LOCK = 0x5458  # "TX": the namespace of the advisory locks below


def _same_text_lock(project: Project, digest: str) -> None:
    """Two imports of the same text into one project take turns (on PostgreSQL, a lock on
    the pair until commit), so that they cannot both pass the duplicate test; imports of
    different texts, and everything else in the project, do not wait for each other.
    SQLite lets one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"{project.pk}:{digest}".encode()) - 2**31  # an int4, as the two-key lock wants
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SAME_TEXT_LOCK, key])


# ---------------------------------------------------------------------------------------
# Importing uploaded files: several at once, each all or nothing


class ImportStatus:
    STORED = "stored"  # imported
    READY = "ready"  # would be imported (a preview)
    REJECTED = "rejected"  # cannot be imported: `reason` says why
    DUPLICATE = "duplicate"  # the same text is in the project already: ask first


@dataclass(frozen=True)
class ImportFile:
    """One file to import. `read` is called only when the file is within the size limit;
    `expert` is a pseudonym ("" picks one from the file name, or a new E<n>). `speakers`
    are the corrections made in the preview (labels rejected, taken, merged) and
    `whole_page` keeps all of a web page, its navigation and footer too.

    `attach(transcript)` stores what comes with the file (its recording: apps.media pairs
    them) in the transcript's own transaction; a ValidationError from it refuses the file,
    and nothing of it is stored. `attached` says what that is, for the result."""

    filename: str
    size: int
    read: Callable[[], bytes]
    expert: str = ""
    allow_duplicate: bool = False
    speakers: SpeakerChoices = SpeakerChoices()
    whole_page: bool = False
    attach: Callable[[Transcript], object] | None = None
    attached: str = ""

    @classmethod
    def from_bytes(cls, filename: str, data: bytes, *, expert: str = "", allow_duplicate: bool = False,
                   speakers: SpeakerChoices = SpeakerChoices(), whole_page: bool = False) -> ImportFile:
        return cls(filename, len(data), lambda: data, expert=expert, allow_duplicate=allow_duplicate,
                   speakers=speakers, whole_page=whole_page)


@dataclass
class FileResult:
    """What became (or would become) of one file; `reason` names the file and says why."""

    filename: str
    status: str = ImportStatus.REJECTED
    reason: str = ""
    title: str = ""
    stem: str = ""  # the title the file asks for, before " (2)" makes it unique
    source_filename: str = ""
    expert: str = ""
    expert_is_new: bool = False
    expert_numbered: bool = False  # `expert` is the next free E<n> proposed by the plan, not a given name
    format: str = ""
    encoding: str | None = None
    words: int = 0
    speakers: list[tuple[str, int]] = field(default_factory=list)
    expert_speaker: str = ""
    replacements: list[Replacement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    allow_duplicate: bool = False
    duplicate_of: str = ""  # the title (or file name, within one batch) of the same text
    duplicate_transcript: Transcript | None = None
    transcript: Transcript | None = None
    parsed: ParsedTranscript | None = field(default=None, repr=False)
    labels: list[LabelReport] = field(default_factory=list)  # speakers pseudonymised, labels as in the file
    dropped: list[Dropped] = field(default_factory=list)
    choices: SpeakerChoices = SpeakerChoices()
    whole_page: bool = False
    attach: Callable[[Transcript], object] | None = field(default=None, repr=False)
    attached: str = ""  # what is (or would be) stored with the transcript, e.g. "recording E3.mp3"

    @property
    def ok(self) -> bool:
        return self.status in (ImportStatus.STORED, ImportStatus.READY)

    @property
    def speaker_labels(self) -> list[LabelReport]:
        """The labels taken as speakers, and those the researcher rejected (to undo it)."""
        return [r for r in self.labels if r.taken or r.chosen == "reject"]

    @property
    def other_labels(self) -> list[LabelReport]:
        """What looks like a label but was not taken: a place name, a word used once ..."""
        return [r for r in self.labels if not r.taken and r.chosen != "reject"]

    @property
    def merge_targets(self) -> list[str]:
        """The labels a speaker can be merged into."""
        return [r.label for r in self.labels if r.taken and r.chosen != "merge"]

    @property
    def can_keep_whole_page(self) -> bool:
        return self.whole_page or any(d.restorable for d in self.dropped)


_ARROW = re.compile(r"\s*(?:->|→|=>)\s*")
# "E3", "e3", "Interview_E3_2021": a pseudonym in a file name, not "E3" inside "GE35".
_EXPERT_IN_NAME = re.compile(r"(?<![0-9A-Za-z])[Ee](\d{1,4})(?![0-9A-Za-z])")
_EXPERT_NUMBER = re.compile(r"[Ee](\d{1,6})")
# Speaker labels of the person asking; the other speaker of an interview is the expert.
_INTERVIEWER_LABELS = frozenset(
    """
    interviewer moderator facilitator researcher host question q i int iv ivr
    frage f intervieweur enquêteur enquêteuse интервьюер модератор ведущий исследователь вопрос в и
    """.split()
)


def pseudonym_mapping_parse(text: str) -> list[tuple[str, str]]:
    """`Ivan Petrov -> E3`, one per line, into (name, pseudonym) pairs; ValidationError
    naming each bad line. Blank lines and lines starting with # are skipped; "→" and "=>"
    work as arrows too."""
    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = _ARROW.split(line, maxsplit=1)
        if len(parts) != 2:
            errors.append(f"Line {number} ('{line[:60]}'): write the name, '->' and the pseudonym, "
                          "e.g. 'Ivan Petrov -> E3'.")
            continue
        name, pseudonym = parts[0].strip(), parts[1].strip()
        if not name or not pseudonym or _ARROW.search(pseudonym):
            errors.append(f"Line {number} ('{line[:60]}'): one name, '->' and one pseudonym, e.g. 'Ivan Petrov -> E3'.")
        elif len(name) > 200 or len(pseudonym) > 100:
            errors.append(f"Line {number}: a name has at most 200 characters and a pseudonym at most 100.")
        elif name in seen:
            errors.append(f"Line {number}: '{name}' is given twice (also on line {seen[name]}).")
        else:
            seen[name] = number
            pairs.append((name, pseudonym))
    if errors:
        raise ValidationError({"pseudonyms": errors})
    return pairs


def expert_from_filename(name: str) -> str:
    """"E3" for "E3.docx" or "Interview_e3_2021.txt"; "" when the name holds no pseudonym."""
    match = _EXPERT_IN_NAME.search(os.path.splitext(name)[0])
    return f"E{int(match.group(1))}" if match else ""


def expert_speaker_guess(speakers: Sequence[tuple[str, int]], pseudonym: str) -> str:
    """The speaker labelled with the expert's pseudonym, or the one speaker who is not the
    interviewer; "" when that is not clear (the researcher marks it after the import)."""
    names = [name for name, _ in speakers]
    for name in names:
        if name.casefold() == pseudonym.casefold():
            return name
    others = [name for name in names if name.casefold().rstrip(".") not in _INTERVIEWER_LABELS]
    return others[0] if len(others) == 1 else ""


def _unique_title(title: str, taken: set[str]) -> str:
    title = title[:200].strip() or "Transcript"
    if title not in taken:
        return title
    n = 2
    while (candidate := f"{title[:190]} ({n})") in taken:
        n += 1
    return candidate


def _check_mapping(mapping: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = [(name, pseudonym) for name, pseudonym in mapping]
    try:
        pseudonymise("", pairs)
    except ValueError as error:
        raise ValidationError({"pseudonyms": str(error)}) from None
    return pairs


def _read_file(upload: ImportFile, mapping: list[tuple[str, str]], limit: int) -> FileResult:
    name = os.path.basename(upload.filename.replace("\\", "/")) or "(no name)"
    result = FileResult(filename=name, allow_duplicate=upload.allow_duplicate, expert=upload.expert.strip(),
                        choices=upload.speakers, whole_page=upload.whole_page, attach=upload.attach,
                        attached=upload.attached)
    if upload.size > limit:
        result.reason = f"{name}: the file is {human_size(upload.size)}, over the upload limit of {human_size(limit)}"
        return result
    try:
        parsed = parse_upload(name, upload.read(), max_bytes=limit, speakers=upload.speakers,
                              whole_page=upload.whole_page)
    except ImportRejected as error:
        result.reason = error.reason
        return result
    stem = os.path.splitext(name)[0].strip() or name
    result.source_filename = name
    result.labels = parsed.labels
    if mapping:
        # The file name is pseudonymised too: "Ivan Petrov.docx" must not leave his name in the title.
        parsed, result.replacements = parsed.pseudonymised(mapping)
        stem = pseudonymise(stem, mapping)[0]
        result.source_filename = pseudonymise(name, mapping)[0]
        # The labels stay as written in the file (the preview's choices name them); the
        # speakers and samples shown beside them are pseudonymised like the text.
        result.labels = [replace(r, speaker=pseudonymise(r.speaker, mapping)[0],
                                 sample=pseudonymise(r.sample, mapping)[0]) for r in parsed.labels]
    result.parsed = parsed
    result.title = result.stem = stem
    result.format, result.encoding, result.warnings = parsed.format, parsed.encoding, list(parsed.warnings)
    result.dropped = parsed.dropped
    result.words = word_count(parsed.text)
    result.speakers = speakers(parsed.turns)
    return result


def transcript_import_plan(*, project: Project, files: Sequence[ImportFile], mapping: Sequence[tuple[str, str]] = (),
                           max_bytes: int | None = None, progress=None) -> list[FileResult]:
    """What importing `files` would do, file by file, without writing anything: each is
    READY (with its title, expert, speakers and pseudonym counts), REJECTED with the
    reason, or a DUPLICATE of a transcript in the project (or of an earlier file).

    Three queries whatever the number of files: the project's checksums among these
    texts, its titles and its experts. `progress(label, done, total)` follows the reading.
    """
    pairs = _check_mapping(mapping)
    limit = settings.CASECODER_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    results = []
    for done, upload in enumerate(files, start=1):
        results.append(_read_file(upload, pairs, limit))
        if progress is not None:
            progress("Reading", done, len(files))
    readable = [r for r in results if r.parsed is not None]
    existing: dict[str, Transcript] = {}
    digests = {r.parsed.checksum for r in readable}
    for transcript in project.transcripts.filter(checksum__in=digests).only("id", "title", "checksum", "project_id"):
        existing.setdefault(transcript.checksum, transcript)
    titles = set(project.transcripts.values_list("title", flat=True)) if readable else set()
    pseudonyms = set(project.experts.values_list("pseudonym", flat=True)) if readable else set()
    numbers = {int(m.group(1)) for p in pseudonyms if (m := _EXPERT_NUMBER.fullmatch(p))}
    # Pseudonyms given or in the file names first, so that a new E<n> never takes one of them.
    for result in readable:
        if m := _EXPERT_NUMBER.fullmatch(result.expert or expert_from_filename(result.title)):
            numbers.add(int(m.group(1)))
    in_batch: dict[str, str] = {}
    for result in readable:
        digest = result.parsed.checksum
        if digest in existing:
            result.duplicate_of, result.duplicate_transcript = existing[digest].title, existing[digest]
        elif digest in in_batch:
            result.duplicate_of = in_batch[digest]
        if result.duplicate_of and not result.allow_duplicate:
            result.status = ImportStatus.DUPLICATE
            where = "already in this project as" if result.duplicate_transcript else "also in the file"
            result.reason = (f"{result.filename}: the same text is {where} '{result.duplicate_of}'; "
                             "import it again only if you mean to")
            continue
        in_batch.setdefault(digest, result.filename)
        result.title = _unique_title(result.title, titles)
        titles.add(result.title)
        pseudonym = result.expert or expert_from_filename(result.title)
        if not pseudonym:
            pseudonym = f"E{max(numbers, default=0) + 1}"
            numbers.add(int(pseudonym[1:]))
            result.expert_numbered = True
        result.expert = pseudonym
        result.expert_is_new = pseudonym not in pseudonyms
        result.expert_speaker = expert_speaker_guess(result.speakers, pseudonym)
        result.status = ImportStatus.READY
    return results


def transcript_import_files(*, project: Project, files: Sequence[ImportFile], actor,
                            mapping: Sequence[tuple[str, str]] = (), max_bytes: int | None = None,
                            progress=None) -> list[FileResult]:
    """Import several files. Each is all or nothing (its expert, transcript and turns in one
    transaction); one bad file does not stop the others. Returns one FileResult per file,
    in order: STORED (with the transcript), REJECTED (with the reason) or DUPLICATE.

    The pseudonymisation `mapping` is applied to each text, its speakers, title and file
    name, and kept in Transcript.pseudonym_map with the number of replacements.
    """
    pairs = _check_mapping(mapping)
    results = transcript_import_plan(project=project, files=files, mapping=pairs, max_bytes=max_bytes,
                                     progress=progress)
    ready = [r for r in results if r.status == ImportStatus.READY]
    for done, result in enumerate(ready, start=1):
        _store(project=project, result=result, actor=actor, mapping=pairs)
        result.parsed = None  # the text is stored; free the memory of a large batch
        if progress is not None:
            progress("Storing", done, len(ready))
    return results


def _store(*, project: Project, result: FileResult, actor, mapping: list[tuple[str, str]]) -> None:
    """Store one planned file: its expert, transcript and attachment in one transaction.

    The plan was read without locks, so a concurrent import may have taken its title or its
    new expert's number meanwhile: the file then gets the next free title ("... (2)") or
    number, and is stored all the same; only a duplicate text is held back.
    """
    parsed = result.parsed
    counts = {r.name: r.count for r in result.replacements}
    names = sorted((name for name, pseudonym in mapping if pseudonym == result.expert), key=len)
    real_name = names[-1][:200] if names else ""
    try:
        with transaction.atomic():
            if result.expert_numbered:
                expert = expert_numbered_create(project=project, actor=actor, real_name=real_name,
                                                at_least=int(result.expert[1:]))
                result.expert_is_new = True
                if expert.pseudonym != result.expert:
                    result.expert = expert.pseudonym
                    result.expert_speaker = expert_speaker_guess(result.speakers, expert.pseudonym)
            else:
                result.expert_is_new = not project.experts.filter(pseudonym=result.expert).exists()
                expert = expert_get_or_create(project=project, pseudonym=result.expert, actor=actor,
                                              real_name=real_name)
            for _ in range(NUMBERING_ATTEMPTS):
                try:
                    result.transcript = transcript_create(
                        project=project, title=result.title, text=parsed.text, turns=parsed.turns, expert=expert,
                        created_by=actor, source_filename=result.source_filename, source_format=result.format,
                        expert_speaker=result.expert_speaker[:100],
                        pseudonym_map=[{"name": name, "pseudonym": pseudonym, "count": counts.get(name, 0)}
                                       for name, pseudonym in mapping],
                        speaker_choices=result.choices.pseudonymised(mapping),
                        allow_duplicate=result.allow_duplicate,
                    )
                    break
                except TitleTaken:  # by a concurrent import since the plan: the next free title
                    taken = set(project.transcripts.values_list("title", flat=True))
                    result.title = _unique_title(result.stem or result.title, taken)
            else:
                raise ValidationError({"title": "Too many imports with this title at this moment; import it again."})
            if result.attach is not None:
                result.attach(result.transcript)
    except DuplicateTranscript as error:
        result.transcript = None
        result.status = ImportStatus.DUPLICATE
        result.duplicate_of, result.duplicate_transcript = error.existing.title, error.existing
        result.reason = (f"{result.filename}: the same text is already in this project as '{error.existing.title}'; "
                         "import it again only if you mean to")
    except ValidationError as error:
        result.transcript = None  # rolled back, with its expert and whatever `attach` stored
        result.status = ImportStatus.REJECTED
        result.reason = f"{result.filename}: " + " ".join(error.messages)
    else:
        result.status = ImportStatus.STORED


# ---------------------------------------------------------------------------------------
# Speakers: names, and which of them is the expert


@transaction.atomic
def transcript_speakers_update(*, transcript: Transcript, actor, renames: Mapping[str, str] | None = None,
                               expert_speaker: str | None = None, expert: str | None = None) -> Transcript:
    """Rename speakers (every turn of the speaker follows; two speakers given the same name
    become one), mark which speaker is the expert (by the name after the renames, "" for
    none) and change the transcript's expert (a pseudonym, "" for none). The labels in
    the text stay as they are: the text changes only through transcript_text_replace.
    """
    check_limits(renames=(renames, VALUES))
    locked = Transcript.objects.select_for_update(of=("self",)).select_related("project", "expert").get(
        pk=transcript.pk)
    current = [row.speaker for row in transcript_speakers(transcript=locked)]
    errors: list[str] = []
    cleaned: dict[str, str] = {}
    for old, new in (renames or {}).items():
        new = " ".join((new or "").split())
        if old not in current:
            errors.append(f"There is no speaker called '{old}' in this transcript (was it renamed meanwhile?).")
        elif not new:
            errors.append(f"'{old}' needs a name; to merge two speakers, give them the same name.")
        elif len(new) > Turn._meta.get_field("speaker").max_length:
            errors.append(f"The name for '{old}' is longer than 100 characters.")
        elif new != old:
            cleaned[old] = new
    after = list(dict.fromkeys(cleaned.get(s, s) for s in current))
    new_expert_speaker = cleaned.get(locked.expert_speaker, locked.expert_speaker)
    if expert_speaker is not None:
        new_expert_speaker = " ".join(expert_speaker.split())
        if new_expert_speaker and new_expert_speaker not in after:
            errors.append(f"'{new_expert_speaker}' is not a speaker of this transcript.")
    if errors:
        raise ValidationError({"speakers": errors})
    before = {"speakers": current, "expert_speaker": locked.expert_speaker,
              "expert": locked.expert.pseudonym if locked.expert else ""}
    if cleaned:
        locked.turns.filter(speaker__in=list(cleaned)).update(speaker=Case(
            *[When(speaker=old, then=Value(new)) for old, new in cleaned.items()], default=F("speaker")))
    fields = []
    if new_expert_speaker != locked.expert_speaker:
        locked.expert_speaker = new_expert_speaker
        fields.append("expert_speaker")
    if expert is not None and expert.strip() != before["expert"]:
        locked.expert = expert_get_or_create(project=locked.project, pseudonym=expert, actor=actor) \
            if expert.strip() else None
        fields.append("expert")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    after_snapshot = {"speakers": after, "expert_speaker": locked.expert_speaker,
                      "expert": locked.expert.pseudonym if locked.expert else ""}
    if after_snapshot != before:
        changes = [f"{old} → {new}" for old, new in cleaned.items()]
        if "expert_speaker" in fields:
            changes.append(f"expert speaker: {locked.expert_speaker or 'none'}")
        if "expert" in fields:
            changes.append(f"expert: {after_snapshot['expert'] or 'none'}")
        activity_record(project=locked.project, actor=actor, verb="changed speakers", target=locked,
                        summary=f"{locked.title}: {'; '.join(changes)}", before=before, after=after_snapshot)
    return locked


# ---------------------------------------------------------------------------------------
# Replacing the text of a transcript (the coding app's transcript_update_text calls this,
# then re-anchors the segments)


class StaleTranscript(ValidationError):
    """The text was changed by someone else since `version` was read; `current` is the transcript now."""

    def __init__(self, current: Transcript, version: int):
        self.current = current
        super().__init__({"version": (
            f"Someone else saved a change to '{current.title}' since you opened it (you edited version {version}; "
            f"it is now version {current.version}). Keep a copy of your changes, reload and apply them again.")})


@dataclass(frozen=True)
class TextReplacement:
    """What transcript_text_replace did: the transcript (locked until commit, with the new
    text and version) and the diff from the old text to it; no diff when nothing changed."""

    transcript: Transcript
    diff: TextDiff | None = None


# Control characters have no place in a transcript (and PostgreSQL cannot store NUL).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _turns_after_edit(*, old_text: str, new_text: str, old_turns: Sequence[Turn], diff: TextDiff,
                      choices: SpeakerChoices) -> list[TurnSpan]:
    """The new text's turns, keeping what the researcher and the importer knew: the
    preview's speaker corrections (`choices`) still hold, speakers renamed after the import
    keep their names, and a turn that starts where an old one went keeps its meta
    (subtitle times), with the offsets it holds into the turn moved through the diff
    (anchors.py: a transcription's word times)."""
    detected = {(t.start, t.end): t.speaker for t in split_turns(old_text, choices)}
    votes: dict[str, Counter] = defaultdict(Counter)
    for turn in old_turns:
        label = detected.get((turn.start, turn.end))
        if label is not None and label != turn.speaker:
            votes[label][turn.speaker] += 1
    renamed = {label: counter.most_common(1)[0][0] for label, counter in votes.items()}
    # Where text was deleted, several old turns start at one new offset: the last one's
    # words are the ones left there (ordered by start, it wins).
    timed = sorted((t for t in old_turns if t.meta), key=lambda t: t.start)
    meta_at = {diff.map_start(t.start): t for t in timed}
    new_turns = split_turns(new_text, choices)
    starts = {t.start for t in new_turns}
    claimed = {turn.start for at, turn in meta_at.items() if at in starts}
    for turn in timed:  # words typed at a turn's start ("So, the army ..."): it begins before them
        before = diff.map_end(turn.start)
        if turn.start not in claimed and before in starts and before not in meta_at:
            meta_at[before] = turn
    return [
        TurnSpan(renamed.get(t.speaker, t.speaker), t.start, t.end,
                 {**_meta_moved(meta_at.get(t.start), diff, t), **t.meta})
        for t in new_turns
    ]


def _meta_moved(old: Turn | None, diff: TextDiff, new: TurnSpan) -> dict:
    return anchors_through(old.meta, diff, (old.start, old.end), (new.start, new.end)) if old else {}


@transaction.atomic
def transcript_text_replace(*, transcript: Transcript, text: str, version: int) -> TextReplacement:
    """Store a corrected text and split its turns again; the transcript stays locked until
    the caller's transaction commits.

    `version` is the Transcript.version the edit started from; a newer one means someone
    else saved meanwhile (StaleTranscript, nothing changes). The text is normalised like
    an import. The caller (apps.coding.services.transcript_update_text) moves the coded
    segments by the returned diff and records the edit with what it did to them.
    """
    locked = Transcript.objects.select_for_update(of=("self",)).select_related("project").get(pk=transcript.pk)
    if locked.version != version:
        raise StaleTranscript(locked, version)
    if _CONTROL.search(text):
        raise ValidationError({"text": "The text contains control characters (such as NUL) that cannot be stored."})
    new_text = normalise_text(text)
    if not new_text.strip():
        raise ValidationError({"text": "The text cannot be empty; to remove the interview, delete the transcript."})
    old_text = locked.text
    if new_text == old_text:
        return TextReplacement(transcript=locked)
    diff = TextDiff(old_text, new_text)
    old_turns = list(locked.turns.all())
    locked.text, locked.checksum, locked.version = new_text, checksum(new_text), locked.version + 1
    locked.save(update_fields=["text", "checksum", "version", "updated_at"])
    spans = _turns_after_edit(old_text=old_text, new_text=new_text, old_turns=old_turns, diff=diff,
                              choices=SpeakerChoices.from_json(locked.speaker_choices))
    turns_replace(transcript=locked, turns=spans)
    transcript_text_stored.send(sender=Transcript, transcript=locked, turns=spans, created=False)
    return TextReplacement(transcript=locked, diff=diff)


@transaction.atomic
def turn_timings_set(*, transcript: Transcript, timings: Mapping[int, dict]) -> int:
    """Store the times of turns (by ¶ number: {"start": seconds, "end": seconds}) in their
    meta, beside what the import kept there; how a recording's timings reach the turns (a
    REFI-QDA import's sync points). Returns the number of turns changed."""
    turns = list(transcript.turns.filter(number__in=list(timings)))
    for turn in turns:
        turn.meta = {**turn.meta, **{k: float(v) for k, v in timings[turn.number].items() if k in ("start", "end")}}
    Turn.objects.bulk_update(turns, ["meta"], batch_size=1000)
    return len(turns)
