"""Limits on free text and lists of ids (issue 17, finding 6), defined once in
apps/projects/limits.py: the services refuse more with a ValidationError naming the field
and the limit, and the API's schemas declare the same numbers in the OpenAPI description."""
from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from apps.analysis.services import review_set
from apps.cases.services import case_create, case_update
from apps.coding.models import Code, Comment, Memo, Segment
from apps.coding.services import code_create, code_update, comment_create, memo_create, segment_create, segment_update
from apps.comparison.services import factor_add, judgment_set
from apps.projects import limits
from apps.projects.services import project_create
from config.api import api
from tests.conftest import phrase_span


def over(limit: int) -> str:
    return "x" * (limit + 1)


def test_check_limits_names_each_field_its_limit_and_its_length():
    limits.check_limits(memo=("x" * limits.MEMO, limits.MEMO), codes=(None, limits.IDS))
    with pytest.raises(ValidationError) as error:
        limits.check_limits(memo=(over(limits.MEMO), limits.MEMO), codes=(list(range(1001)), limits.IDS))
    assert error.value.message_dict == {"memo": ["memo takes at most 20,000 characters, not 20,001."],
                                        "codes": ["codes takes at most 1,000 items, not 1,001."]}


@pytest.fixture
def segment(transcript, owner, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    return segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])


WRITES = {
    "code description": (lambda o: code_create(project=o["project"], name="Elites", actor=o["owner"],
                                               description=over(limits.DESCRIPTION)), "description", "5,000"),
    "code inclusion": (lambda o: code_create(project=o["project"], name="Elites", actor=o["owner"],
                                             inclusion=over(limits.DESCRIPTION)), "inclusion", "5,000"),
    "code exclusion": (lambda o: code_update(code=o["threat"], actor=o["owner"], exclusion=over(limits.DESCRIPTION)),
                       "exclusion", "5,000"),
    "code example": (lambda o: code_update(code=o["threat"], actor=o["owner"], example=over(limits.DESCRIPTION)),
                     "example", "5,000"),
    "code levels": (lambda o: code_create(project=o["project"], name="Elites", actor=o["owner"], scale="ordinal",
                                          levels=[f"l{i}" for i in range(limits.VALUES + 1)]), "levels", "100"),
    "segment memo": (lambda o: segment_update(segment=o["segment"], version=o["segment"].version, actor=o["owner"],
                                              memo=over(limits.MEMO)), "memo", "20,000"),
    "memo": (lambda o: memo_create(project=o["project"], author=o["owner"], text=over(limits.MEMO)),
             "text", "20,000"),
    "comment": (lambda o: comment_create(project=o["project"], author=o["reviewer"], text=over(limits.COMMENT)),
                "text", "20,000"),
    "review note": (lambda o: review_set(project=o["project"], reviewer=o["reviewer"], status="changes_requested",
                                         note=over(limits.DESCRIPTION)), "note", "5,000"),
    "rationale": (lambda o: judgment_set(factor=o["factor"], case=o["kazakhstan"], judge=o["owner"], value="present",
                                         rationale=over(limits.RATIONALE)), "rationale", "20,000"),
    "evidence": (lambda o: judgment_set(factor=o["factor"], case=o["kazakhstan"], judge=o["owner"], value="present",
                                        evidence=list(range(1, limits.IDS + 2))), "evidence", "1,000"),
    "case description": (lambda o: case_update(case=o["kazakhstan"], actor=o["owner"],
                                               description=over(limits.DESCRIPTION)), "description", "5,000"),
    "new case description": (lambda o: case_create(project=o["project"], name="Armenia", actor=o["owner"],
                                                   description=over(limits.DESCRIPTION)), "description", "5,000"),
    "project description": (lambda o: project_create(name="Another", owner=o["owner"],
                                                     description=over(limits.DESCRIPTION)), "description", "5,000"),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_service_refuses_text_and_lists_over_their_limit_and_writes_nothing(write, project, owner, reviewer,
                                                                                  threat, kazakhstan, segment):
    objects = {"project": project, "owner": owner, "reviewer": reviewer, "threat": threat, "kazakhstan": kazakhstan,
               "segment": segment, "factor": factor_add(project=project, actor=owner, code=threat, label="THREAT")}
    call, field, limit = WRITES[write]
    with pytest.raises(ValidationError) as error:
        call(objects)
    assert field in error.value.message_dict
    assert f"at most {limit}" in error.value.message_dict[field][0]
    threat.refresh_from_db()
    segment.refresh_from_db()
    assert (threat.exclusion, threat.example, segment.memo, segment.version) == ("", "", "", 1)
    assert Code.objects.count() == 1 and not Memo.objects.exists() and not Comment.objects.exists()


def test_a_10_mb_code_description_is_refused_by_the_api_with_the_limit(client_for, coder, project):
    response = client_for(coder).post(f"/api/projects/{project.slug}/codes", content_type="application/json",
                                      data=json.dumps({"name": "Elites", "description": "x" * 10_000_000}))
    assert response.status_code == 422
    assert "description" in response.json()["errors"] and "5000" in response.json()["detail"]
    assert not Code.objects.filter(name="Elites").exists()


def test_a_million_unknown_code_ids_get_a_short_422(client_for, coder, project, transcript):
    response = client_for(coder).post(f"/api/projects/{project.slug}/segments", content_type="application/json",
                                      data=json.dumps({"transcript_id": transcript.pk, "start": 0, "end": 5,
                                                       "code_ids": list(range(10**9, 10**9 + 1_400_000))}))
    assert response.status_code == 422
    assert len(response.content) < 1000 and "1000 items" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_the_openapi_description_documents_the_limits():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["CodeIn"]["properties"]["description"]["maxLength"] == limits.DESCRIPTION
    assert schemas["SegmentIn"]["properties"]["memo"]["maxLength"] == limits.MEMO
    assert schemas["SegmentIn"]["properties"]["code_ids"]["maxItems"] == limits.IDS
    assert schemas["CommentIn"]["properties"]["text"]["maxLength"] == limits.COMMENT
    assert schemas["JudgmentIn"]["properties"]["rationale"]["maxLength"] == limits.RATIONALE
    assert schemas["JudgmentIn"]["properties"]["evidence"]["maxItems"] == limits.IDS
    assert schemas["ReviewIn"]["properties"]["note"]["maxLength"] == limits.DESCRIPTION
    assert schemas["SegmentIn"]["properties"]["transcript_id"]["maximum"] == limits.MAX_ID
