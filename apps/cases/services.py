"""Writes for cases and typed attributes of cases and experts."""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.projects.access import listed_briefly
from apps.projects.limits import DESCRIPTION, IDS, VALUES, check_limits
from apps.projects.models import Project
from apps.projects.services import activity_record
from apps.projects.values import value_display
from apps.transcripts.models import Expert, Transcript

from .models import Attribute, Case, CaseValue, ExpertValue

TRUE_WORDS = {"true", "yes", "1", "y"}
# What to type instead, in the message that refuses a value.
VALUE_HINTS = {"boolean": "yes or no", "integer": "a whole number", "decimal": "a number such as 2.5",
               "date": "a date as YYYY-MM-DD"}
FALSE_WORDS = {"false", "no", "0", "n"}


def attribute_value_clean(attribute: Attribute, raw):
    """A raw value (from a form, a file or JSON) in the attribute's type, or a clear error."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = attribute.type
    try:
        if kind == Attribute.Type.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError
        if kind == Attribute.Type.INTEGER:
            if isinstance(raw, bool):
                raise ValueError
            return int(str(raw).strip())
        if kind == Attribute.Type.DECIMAL:
            return str(Decimal(str(raw).strip()))
        if kind == Attribute.Type.DATE:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        value = str(raw).strip()
        if kind == Attribute.Type.CATEGORICAL and attribute.choices and value not in attribute.choices:
            raise ValidationError({"value": f"{value!r} is not a category of {attribute.name}: "
                                            f"{', '.join(attribute.choices)}."})
        return value
    except (ValueError, InvalidOperation):
        raise ValidationError({"value": f"{raw!r} is not a valid {kind} for {attribute.name}; "
                                        f"give {VALUE_HINTS.get(kind, 'a text')}."})


@transaction.atomic
def attribute_create(*, project: Project, name: str, applies_to: str, type: str = Attribute.Type.TEXT,
                     choices: Iterable[str] = (), is_outcome: bool = False, actor=None) -> Attribute:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "An attribute needs a name."})
    if len(name) > Attribute._meta.get_field("name").max_length:
        raise ValidationError({"name": "An attribute name has at most 100 characters."})
    if applies_to not in Attribute.AppliesTo.values:
        raise ValidationError({"applies_to": f"Attributes apply to {' or '.join(Attribute.AppliesTo.values)}."})
    if type not in Attribute.Type.values:
        raise ValidationError({"type": f"Unknown type {type!r}; choose one of {', '.join(Attribute.Type.values)}."})
    choices = [str(c).strip() for c in choices if str(c).strip()]
    check_limits(choices=(choices, VALUES))
    if type == Attribute.Type.CATEGORICAL and len(set(choices)) != len(choices):
        raise ValidationError({"choices": "Categories must be distinct."})
    if project.attributes.filter(applies_to=applies_to, name=name).exists():
        raise ValidationError({"name": f"An attribute called {name!r} exists already."})
    attribute = Attribute.objects.create(project=project, name=name, applies_to=applies_to, type=type,
                                         choices=choices, position=project.attributes.count())
    if is_outcome:
        outcome_set(project=project, attribute=attribute, actor=actor)
    activity_record(project=project, actor=actor, verb="created", target=attribute, summary=name)
    return attribute


@transaction.atomic
def outcome_set(*, project: Project, attribute: Attribute | None, actor=None) -> None:
    """Choose the outcome of the comparison: a boolean or categorical case attribute."""
    if attribute is not None:
        if attribute.project_id != project.pk:
            raise ValidationError({"attribute": "That attribute belongs to another project."})
        if attribute.applies_to != Attribute.AppliesTo.CASE or attribute.type not in (
                Attribute.Type.BOOLEAN, Attribute.Type.CATEGORICAL):
            raise ValidationError({"attribute": "The outcome must be a boolean or categorical case attribute."})
    project.attributes.filter(is_outcome=True).update(is_outcome=False)
    if attribute is not None:
        attribute.is_outcome = True
        attribute.save(update_fields=["is_outcome"])
    activity_record(project=project, actor=actor, verb="set outcome", target=attribute, target_type="attribute",
                    summary=attribute.name if attribute else "none")


@transaction.atomic
def case_create(*, project: Project, name: str, description: str = "", actor=None) -> Case:
    check_limits(description=(description, DESCRIPTION))
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A case needs a name."})
    if len(name) > Case._meta.get_field("name").max_length:
        raise ValidationError({"name": "A case name has at most 200 characters."})
    if project.cases.filter(name=name).exists():
        raise ValidationError({"name": f"A case called {name!r} exists already."})
    case = Case.objects.create(project=project, name=name, description=description, position=project.cases.count())
    activity_record(project=project, actor=actor, verb="created", target=case, summary=name)
    return case


@transaction.atomic
def case_update(*, case: Case, actor, name: str | None = None, description: str | None = None) -> Case:
    check_limits(description=(description, DESCRIPTION))
    before = {"name": case.name, "description": case.description}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": "A case needs a name."})
        if len(name) > Case._meta.get_field("name").max_length:
            raise ValidationError({"name": "A case name has at most 200 characters."})
        if case.project.cases.filter(name=name).exclude(pk=case.pk).exists():
            raise ValidationError({"name": f"A case called {name!r} exists already."})
        case.name = name
    if description is not None:
        case.description = description
    case.save()
    activity_record(project=case.project, actor=actor, verb="updated", target=case, summary=case.name,
                    before=before, after={"name": case.name, "description": case.description})
    return case


def _value_set(*, owner, attribute: Attribute, raw, model, owner_field: str, applies_to: str, actor):
    if attribute.project_id != owner.project_id:
        raise ValidationError({"attribute": "That attribute belongs to another project."})
    if attribute.applies_to != applies_to:
        raise ValidationError({"attribute": f"{attribute.name} is not an attribute of {applies_to}s."})
    value = attribute_value_clean(attribute, raw)
    model.objects.update_or_create(**{owner_field: owner, "attribute": attribute}, defaults={"value": value})
    activity_record(project=owner.project, actor=actor, verb="set attribute", target=owner,
                    summary=f"{attribute.name} = {value_display(value) or 'no value'}", after={attribute.name: value})
    return value


@transaction.atomic
def case_value_set(*, case: Case, attribute: Attribute, value, actor=None):
    return _value_set(owner=case, attribute=attribute, raw=value, model=CaseValue, owner_field="case",
                      applies_to=Attribute.AppliesTo.CASE, actor=actor)


@transaction.atomic
def expert_value_set(*, expert: Expert, attribute: Attribute, value, actor=None):
    return _value_set(owner=expert, attribute=attribute, raw=value, model=ExpertValue, owner_field="expert",
                      applies_to=Attribute.AppliesTo.EXPERT, actor=actor)


@transaction.atomic
def transcript_cases_set(*, transcript: Transcript, cases: Iterable[Case], actor) -> None:
    """Link a whole transcript to cases: all its segments then count for them."""
    cases = list(cases)
    check_limits(cases=(cases, IDS))
    foreign = [c.name for c in cases if c.project_id != transcript.project_id]
    if foreign:
        raise ValidationError({"cases": f"cases from another project: {listed_briefly(foreign)}"})
    before = sorted(transcript.cases.values_list("name", flat=True))
    transcript.cases.set(cases)
    activity_record(project=transcript.project, actor=actor, verb="linked cases", target=transcript,
                    before={"cases": before}, after={"cases": sorted(c.name for c in cases)})


@transaction.atomic
def case_transcripts_set(*, case: Case, transcripts: Iterable[Transcript], actor) -> None:
    """The whole transcripts that count for a case: exactly those given (none unlinks all)."""
    transcripts = list(transcripts)
    check_limits(transcripts=(transcripts, IDS))
    foreign = [t.title for t in transcripts if t.project_id != case.project_id]
    if foreign:
        raise ValidationError({"transcripts": f"transcripts from another project: {listed_briefly(foreign)}"})
    before = sorted(case.transcripts.values_list("title", flat=True))
    case.transcripts.set(transcripts)
    activity_record(project=case.project, actor=actor, verb="linked transcripts", target=case, summary=case.name,
                    before={"transcripts": before}, after={"transcripts": sorted(t.title for t in transcripts)})
