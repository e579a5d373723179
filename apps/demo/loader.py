"""Load the fictional demo study from fixtures/demo/ through the ordinary services.

Codings are anchored by quoted phrases, not offsets: a phrase that no longer matches its
transcript exactly once stops the load with a message naming it, and nothing is stored.
"""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.cases.models import Attribute
from apps.cases.services import attribute_create, case_create, case_value_set, expert_value_set
from apps.coding.anchoring import AnchorError, find_phrase, find_section
from apps.coding.models import Code
from apps.coding.services import code_create, segment_create
from apps.projects.models import Project, Role
from apps.projects.services import membership_set, project_create
from apps.transcripts.services import expert_create, transcript_create
from apps.transcripts.text import normalise_text

from .errors import DemoDataError
from .judgments import load_judgments

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
DEMO_SLUG = "csto-requests"
DEMO_PASSWORD = "demo-password"
DEMO_USERS = [("researcher", Role.OWNER, "Demo researcher"), ("supervisor", Role.REVIEWER, "Demo supervisor")]
DEMO_NAME = "Why did the CSTO intervene only once? (demo)"
DEMO_DESCRIPTION = (
    "A fictional demo study: seven invented expert interviews on the four requests for CSTO intervention "
    "(Kyrgyzstan 2010, Tajikistan 2021, Kazakhstan 2022, Armenia 2022), compared with a Most Similar "
    "Systems Design. The requests are public facts; the experts and their words are invented."
)


def _read(demo_dir: Path, name: str):
    return json.loads((demo_dir / name).read_text(encoding="utf-8"))


def _label(path: Path) -> str:
    """A data file as the messages name it: relative to the project when it lies inside."""
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def demo_users():
    """The two demo logins, created only here."""
    User = get_user_model()
    users = {}
    for username, _role, full_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first, last = full_name.split(" ", 1)
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=first,
                                            last_name=last)
        users[username] = user
    return users


@transaction.atomic
def load_demo(*, progress=lambda message: None, demo_dir: Path | None = None) -> tuple[Project, bool]:
    """Create the demo project from `demo_dir` (default fixtures/demo/); (project, created).
    An existing demo project is left as it is."""
    demo_dir = Path(demo_dir or DEMO_DIR)
    users = demo_users()
    existing = Project.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    researcher = users["researcher"]
    project = project_create(name=DEMO_NAME, slug=DEMO_SLUG, description=DEMO_DESCRIPTION, owner=researcher)
    membership_set(project=project, user=users["supervisor"], role=Role.REVIEWER, actor=researcher)

    cases_data = _read(demo_dir, "cases.json")
    case_attributes = {
        a["name"]: attribute_create(project=project, name=a["name"], applies_to=Attribute.AppliesTo.CASE,
                                    type=a["type"], choices=a.get("choices", ()), is_outcome=a.get("outcome", False),
                                    actor=researcher)
        for a in cases_data["attributes"]
    }
    cases = {}
    for c in cases_data["cases"]:
        case = case_create(project=project, name=c["name"], description=c["description"], actor=researcher)
        for name, value in c["values"].items():
            case_value_set(case=case, attribute=case_attributes[name], value=value, actor=researcher)
        cases[case.name] = case
    progress(f"{len(cases)} cases")

    codes: dict[str, Code] = {}
    for c in _read(demo_dir, "codebook.json")["codes"]:
        *parents, name = [part.strip() for part in c["path"].split(">")]
        parent = codes.get(" > ".join(parents)) if parents else None
        if parents and parent is None:
            raise DemoDataError(f"codebook: the parent of {c['path']!r} comes later or is missing")
        codes[c["path"]] = code_create(
            project=project, name=name, parent=parent, colour=c["colour"], description=c["description"],
            inclusion=c.get("inclusion", ""), exclusion=c.get("exclusion", ""), example=c.get("example", ""),
            scale=c["scale"], levels=c.get("levels", ()), actor=researcher)
    progress(f"{len(codes)} codes")

    experts_data = _read(demo_dir, "experts.json")
    expert_attributes = {
        a["name"]: attribute_create(project=project, name=a["name"], applies_to=Attribute.AppliesTo.EXPERT,
                                    type=a["type"], choices=a.get("choices", ()), actor=researcher)
        for a in experts_data["attributes"]
    }
    n_segments = 0
    for e in experts_data["experts"]:
        expert = expert_create(project=project, pseudonym=e["pseudonym"], description=e["title"], actor=researcher)
        for name, value in e["values"].items():
            expert_value_set(expert=expert, attribute=expert_attributes[name], value=value, actor=researcher)
        raw = (demo_dir / "transcripts" / e["file"]).read_text(encoding="utf-8")
        transcript = transcript_create(project=project, title=e["title"], text=raw, expert=expert,
                                       created_by=researcher, source_filename=e["file"], source_format="txt",
                                       expert_speaker=e["pseudonym"])
        n_segments += _load_codings(demo_dir, transcript, codes, cases, researcher, e["pseudonym"])
        progress(f"{e['pseudonym']}: {transcript.word_count} words")
    progress(f"{n_segments} segments")
    load_judgments(project=project, judge=researcher, demo_dir=demo_dir, progress=progress)
    load_second_coder(project=project, codes=codes, owner=researcher, demo_dir=demo_dir, progress=progress)
    return project, True


def _load_codings(demo_dir: Path, transcript, codes, cases, coder, name) -> int:
    data = _read(demo_dir, f"codings/{name}.json")
    text = transcript.text
    label = _label(demo_dir / "codings" / f"{name}.json")

    def known(mapping, key, what):
        if key not in mapping:
            raise DemoDataError(f"{label}: unknown {what} {key!r}")
        return mapping[key]

    count = 0
    try:
        for section in data.get("case_sections", []):
            span = find_section(text, normalise_text(section["from"]), normalise_text(section["to"]), label=label)
            segment_create(transcript=transcript, start=span.start, end=span.end, coder=coder,
                           cases=[known(cases, section["case"], "case")], is_case_section=True)
            count += 1
        for coding in data["codings"]:
            span = find_phrase(text, normalise_text(coding["quote"]), occurrence=coding.get("occurrence"), label=label)
            applied = [known(codes, path, "code") for path in coding["codes"]]
            values = {codes[path].pk: value or "" for path, value in coding["codes"].items()}
            segment_create(transcript=transcript, start=span.start, end=span.end, coder=coder, codes=applied,
                           values=values, cases=[known(cases, c, "case") for c in coding.get("cases", [])],
                           memo=coding.get("memo", ""))
            count += 1
    except AnchorError as error:
        raise DemoDataError(f"{error}. Edit the phrase in {label} to match the transcript.") from error
    return count


SECOND_CODER = "second-coder"


def load_second_coder(*, project: Project, codes: dict[str, Code], owner, demo_dir: Path,
                      progress=lambda message: None) -> int:
    """A second, independent coding of some interviews (second_coder.json) by the member
    `second-coder`, so that the agreement page has two coders to compare. The user has no
    usable password: nobody signs in as them. Returns the number of segments."""
    path = demo_dir / "second_coder.json"
    if not path.exists():
        return 0
    data = _read(demo_dir, "second_coder.json")
    label = _label(path)
    User = get_user_model()
    coder = User.objects.filter(username=SECOND_CODER).first()
    if coder is None:
        coder = User(username=SECOND_CODER, first_name="Second", last_name="coder")
        coder.set_unusable_password()
        coder.save()
    membership_set(project=project, user=coder, role=Role.CODER, actor=owner)
    transcripts = {t.expert.pseudonym: t for t in project.transcripts.select_related("expert") if t.expert}
    count = 0
    for coding in data["codings"]:
        transcript = transcripts.get(coding["transcript"])
        if transcript is None:
            raise DemoDataError(f"{label}: unknown transcript {coding['transcript']!r}")
        unknown = [p for p in coding["codes"] if p not in codes]
        if unknown:
            raise DemoDataError(f"{label}: unknown code {unknown[0]!r}")
        try:
            span = find_phrase(transcript.text, normalise_text(coding["quote"]), occurrence=coding.get("occurrence"),
                               label=label)
        except AnchorError as error:
            raise DemoDataError(f"{error}. Edit the phrase in {label} to match the transcript.") from error
        segment_create(transcript=transcript, start=span.start, end=span.end, coder=coder,
                       codes=[codes[p] for p in coding["codes"]],
                       values={codes[p].pk: value or "" for p, value in coding["codes"].items()})
        count += 1
    progress(f"{count} segments by a second coder ({SECOND_CODER}, for the agreement page)")
    return count
