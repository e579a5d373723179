"""Text forms for what REFI-QDA has no element for, shared by the writer and the reader.

Other tools show these texts as they are, so they are written to be read by people:

    <Code ...><Description>Whether members saw a threat.

    Inclusion: Statements on how members perceived the danger.

    Exclusion: Russia's own calculation.

    Example: Everyone in Minsk could imagine the same crowds.

    Scale: ordinal ["low", "medium", "high"]</Description>

    <Variable ...><Description>Casecoder: {"applies_to": "case", "type": "categorical",
        "choices": ["a", "b"], "outcome": true}</Description>

    <Note name="Coded value"><PlainTextContent>present</PlainTextContent></Note>

    <Note name="Suggested by the engine"><PlainTextContent>suggested by tfidf-logreg 1,
        accepted by olga</PlainTextContent></Note>   (referenced from the Coding it describes)
"""
from __future__ import annotations

import json

from apps.cases.models import Attribute
from apps.coding.models import Code

CODE_LABELS = [("inclusion", "Inclusion"), ("exclusion", "Exclusion"), ("example", "Example"), ("scale", "Scale")]
VARIABLE_MARK = "Casecoder: "
VALUE_NOTE_NAME = "Coded value"
SUGGESTION_NOTE_NAME = "Suggested by the engine"
CASE_SECTION_NAME = "Case section"
CASE_MEMO_LINK_NAME = "Memo"
ROLE_EXPERT = "expert pseudonym"
ROLE_EXPERT_DESCRIPTION = "expert description"
ROLE_EXPERT_SPEAKER = "expert speaker"  # which speaker label of the transcript is the expert
EXPERT_VARIABLES = {ROLE_EXPERT: "Expert pseudonym", ROLE_EXPERT_DESCRIPTION: "Expert description",
                    ROLE_EXPERT_SPEAKER: "Expert speaker"}

# Casecoder attribute type <-> REFI typeOfVariable
TYPE_TO_REFI = {
    Attribute.Type.TEXT: "Text", Attribute.Type.CATEGORICAL: "Text", Attribute.Type.INTEGER: "Integer",
    Attribute.Type.DECIMAL: "Float", Attribute.Type.BOOLEAN: "Boolean", Attribute.Type.DATE: "Date",
}
REFI_TO_TYPE = {"Text": Attribute.Type.TEXT, "Integer": Attribute.Type.INTEGER, "Float": Attribute.Type.DECIMAL,
                "Boolean": Attribute.Type.BOOLEAN, "Date": Attribute.Type.DATE, "DateTime": Attribute.Type.TEXT}
VALUE_ELEMENTS = {"Text": "TextValue", "Integer": "IntegerValue", "Float": "FloatValue", "Boolean": "BooleanValue",
                  "Date": "DateValue", "DateTime": "DateTimeValue"}


def code_description(code) -> str:
    """The Description of a Code: the description, then labelled paragraphs."""
    parts = [code.description.strip()] if code.description.strip() else []
    for field, label in CODE_LABELS[:3]:
        text = getattr(code, field).strip()
        if text:
            parts.append(f"{label}: {text}")
    if code.scale == Code.Scale.PRESENCE:
        parts.append("Scale: presence")
    elif code.scale == Code.Scale.ORDINAL:
        parts.append("Scale: ordinal " + json.dumps(list(code.levels), ensure_ascii=False))
    return "\n\n".join(parts)


def code_fields(description: str) -> dict:
    """The fields of a Code's Description, read back; unlabelled text is the description.
    A "Scale:" paragraph that cannot be read is left in the description."""
    fields = {"description": "", "inclusion": "", "exclusion": "", "example": "", "scale": Code.Scale.NONE,
              "levels": []}
    rest = (description or "").strip()
    for field, label in reversed(CODE_LABELS):
        marker = f"{label}: "
        if rest.startswith(marker):
            head, value = "", rest[len(marker):]
        else:
            cut = rest.rfind(f"\n\n{marker}")
            if cut < 0:
                continue
            head, value = rest[:cut], rest[cut + 2 + len(marker):]
        if field == "scale":
            scale = _scale(value.strip())
            if scale is None:
                continue
            fields["scale"], fields["levels"] = scale
        else:
            fields[field] = value.strip()
        rest = head.rstrip()
    fields["description"] = rest
    return fields


def _scale(text: str):
    if text == "presence":
        return Code.Scale.PRESENCE, []
    if text.startswith("ordinal "):
        try:
            levels = json.loads(text[len("ordinal "):])
        except ValueError:
            return None
        if isinstance(levels, list) and all(isinstance(level, str) for level in levels):
            return Code.Scale.ORDINAL, levels
    return None


def variable_description(attribute) -> str:
    meta = {"applies_to": attribute.applies_to, "type": attribute.type}
    if attribute.type == Attribute.Type.CATEGORICAL:
        meta["choices"] = list(attribute.choices)
    if attribute.is_outcome:
        meta["outcome"] = True
    return VARIABLE_MARK + json.dumps(meta, ensure_ascii=False)


def role_description(role: str) -> str:
    return VARIABLE_MARK + json.dumps({"role": role})


def variable_meta(description: str) -> dict:
    """What a Casecoder Variable Description says; {} for anything else."""
    text = (description or "").strip()
    if not text.startswith(VARIABLE_MARK):
        return {}
    try:
        meta = json.loads(text[len(VARIABLE_MARK):])
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}
