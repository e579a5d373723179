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


class DemoDataError(Exception):
    """The demo files do not fit together (a phrase that no longer matches, an unknown code)."""


def _read(name: str):
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


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
def load_demo(*, progress=lambda message: None) -> tuple[Project, bool]:
    """Create the demo project; (project, created). An existing demo project is left as it is."""
    users = demo_users()
    existing = Project.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    researcher = users["researcher"]
    project = project_create(name=DEMO_NAME, slug=DEMO_SLUG, description=DEMO_DESCRIPTION, owner=researcher)
    membership_set(project=project, user=users["supervisor"], role=Role.REVIEWER, actor=researcher)

    cases_data = _read("cases.json")
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
    for c in _read("codebook.json")["codes"]:
        *parents, name = [part.strip() for part in c["path"].split(">")]
        parent = codes.get(" > ".join(parents)) if parents else None
        if parents and parent is None:
            raise DemoDataError(f"codebook: the parent of {c['path']!r} comes later or is missing")
        codes[c["path"]] = code_create(
            project=project, name=name, parent=parent, colour=c["colour"], description=c["description"],
            inclusion=c.get("inclusion", ""), exclusion=c.get("exclusion", ""), example=c.get("example", ""),
            scale=c["scale"], levels=c.get("levels", ()), actor=researcher)
    progress(f"{len(codes)} codes")

    experts_data = _read("experts.json")
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
        raw = (DEMO_DIR / "transcripts" / e["file"]).read_text(encoding="utf-8")
        transcript = transcript_create(project=project, title=e["title"], text=raw, expert=expert,
                                       created_by=researcher, source_filename=e["file"], source_format="txt",
                                       expert_speaker=e["pseudonym"])
        n_segments += _load_codings(transcript, codes, cases, researcher, e["pseudonym"])
        progress(f"{e['pseudonym']}: {transcript.word_count} words")
    progress(f"{n_segments} segments")
    return project, True


def _load_codings(transcript, codes, cases, coder, name) -> int:
    data = _read(f"codings/{name}.json")
    text = transcript.text
    label = f"fixtures/demo/codings/{name}.json"

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
