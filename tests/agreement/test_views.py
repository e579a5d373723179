"""Intercoder agreement on the project's data: the units built from the segments, the
coefficients over them (checked against scikit-learn, statsmodels and the krippendorff
package on the demo study's two coders), the agreement and disagreement pages, and
settling a disagreement (keep, merge, take the code off, discuss)."""
from io import StringIO

import krippendorff
import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from apps.agreement.selectors import CHARACTER, TURN, agreement_report, disagreements
from apps.coding.models import Comment, Segment
from apps.coding.services import segment_create, segment_update
from apps.projects.models import Membership, Project, Role
from apps.projects.services import membership_set, project_settings_update
from apps.transcripts.models import Transcript
from tests.conftest import make_user, phrase_span

CLOSE = dict(abs=1e-9)


@pytest.fixture
def cleo(project, owner):
    """A second coder."""
    user = make_user("cleo")
    membership_set(project=project, user=user, role=Role.CODER, actor=owner)
    return user


def code(transcript, coder, phrase, *codes):
    start, end = phrase_span(transcript, phrase)
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=list(codes))


@pytest.fixture
def coded(transcript, coder, cleo, threat, russian_interest):
    """Turns of the sample: 1 question, 2 answer (58-130), 3 question, 4 answer (166-239).
    Threat: cora in turns 2 and 4, cleo in turn 2 with a longer passage. Interest: cora in
    turn 2, cleo in turn 4."""
    return {
        "cora_threat": code(transcript, coder, "Because Moscow wanted it to.", threat),
        "cora_threat_2": code(transcript, coder, "Nobody wanted to fight Azerbaijan.", threat),
        "cleo_threat": code(transcript, cleo, "Because Moscow wanted it to. The members feared", threat),
        "cora_interest": code(transcript, coder, "The members feared the same crowds at home.", russian_interest),
        "cleo_interest": code(transcript, cleo, "Baku had too many friends in the room.", russian_interest),
    }


def row(report, code):
    return next(r for r in report.codes if r.code == code)


# --- units and coefficients --------------------------------------------------------------

def test_turn_units_mark_the_turns_each_coder_coded(project, coder, cleo, coded, threat, russian_interest):
    report = agreement_report(project=project, coder_ids=[coder.pk, cleo.pk], unit=TURN)
    threat_row = row(report, threat).coefficients
    assert threat_row.units == 4 and threat_row.coded == (2, 1)
    # cora [0,1,0,1], cleo [0,1,0,0]: p_o = 3/4, p_e = (2*1 + 2*3)/16 = 1/2, kappa = 1/2
    assert threat_row.percent == pytest.approx(0.75, **CLOSE)
    assert threat_row.cohen == pytest.approx(0.5, **CLOSE)
    interest = row(report, russian_interest).coefficients
    # cora [0,1,0,0], cleo [0,0,0,1]: p_o = 1/2, p_e = 10/16, kappa = -1/3
    assert interest.percent == pytest.approx(0.5, **CLOSE) and interest.cohen == pytest.approx(-1 / 3, **CLOSE)
    overall = report.overall
    assert overall.units == 8 and overall.coded == (3, 2)
    a = [0, 1, 0, 1, 0, 1, 0, 0]    # the units of both codes, interest's sorted first by path
    b = [0, 1, 0, 0, 0, 0, 0, 1]
    a, b = a[4:] + a[:4], b[4:] + b[:4]
    assert overall.cohen == pytest.approx(cohen_kappa_score(a, b), **CLOSE)
    assert overall.alpha == pytest.approx(krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal"),
                                          **CLOSE)


def test_character_units_count_every_character(project, transcript, coder, cleo, coded, threat):
    report = agreement_report(project=project, coder_ids=[coder.pk, cleo.pk], unit=CHARACTER)
    c = row(report, threat).coefficients
    length = len(transcript.text)
    # both 58-86 (28), only cleo 86-105 (19), only cora 166-200 (34)
    assert c.units == length and c.coded == (28 + 34, 28 + 19)
    assert c.percent == pytest.approx((length - 19 - 34) / length, **CLOSE)
    a, b = np.zeros(length, int), np.zeros(length, int)
    a[58:86] = a[166:200] = 1
    b[58:105] = 1
    assert c.cohen == pytest.approx(cohen_kappa_score(a, b), **CLOSE)
    assert c.fleiss == pytest.approx(statsmodels_fleiss_kappa(np.column_stack([2 - a - b, a + b])), **CLOSE)
    assert c.alpha == pytest.approx(krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal"),
                                    **CLOSE)


def test_a_tolerance_counts_overlapping_segments_as_agreeing(project, transcript, coder, cleo, coded, threat):
    """cora's 58-86 and cleo's 58-105 overlap by 28/47 = 60 % of their joint extent."""
    def only_one_coder(overlap):
        c = row(agreement_report(project=project, coder_ids=[coder.pk, cleo.pk], unit=CHARACTER, overlap=overlap),
                threat).coefficients
        return round((1 - c.percent) * len(transcript.text))

    assert only_one_coder(None) == 19 + 34
    assert only_one_coder(0.6) == 34 + 19     # 59.6 % < 60 %: still two passages
    assert only_one_coder(0.5) == 34          # one passage now, both coders coded 58-105


def test_three_coders_get_fleiss_and_alpha_and_the_mean_agreement_of_pairs(project, owner, transcript, coder, cleo,
                                                                          coded, threat):
    code(transcript, owner, "Because Moscow wanted it to.", threat)
    report = agreement_report(project=project, coder_ids=[coder.pk, cleo.pk, owner.pk], unit=TURN)
    c = row(report, threat).coefficients
    units = np.array([[0, 1, 0, 1], [0, 1, 0, 0], [0, 1, 0, 0]])   # cora, cleo, olga per turn
    assert c.cohen is None
    assert c.percent == pytest.approx((3 / 4 + 3 / 4 + 1) / 3, **CLOSE)
    counts = np.column_stack([3 - units.sum(axis=0), units.sum(axis=0)])
    assert c.fleiss == pytest.approx(statsmodels_fleiss_kappa(counts), **CLOSE)
    assert c.alpha == pytest.approx(krippendorff.alpha(reliability_data=units, level_of_measurement="nominal"),
                                    **CLOSE)


def test_only_transcripts_every_coder_coded_are_compared(project, owner, coder, cleo, coded, threat, expert):
    from apps.transcripts.services import transcript_create

    other = transcript_create(project=project, title="Interview E2", text="E2: Only cora read this one.\n",
                              created_by=owner)
    code(other, coder, "Only cora read this one.", threat)
    report = agreement_report(project=project, coder_ids=[coder.pk, cleo.pk])
    assert [t.title for t in report.transcripts] == ["Interview E1"]
    with pytest.raises(ValidationError, match="every chosen coder coded"):
        agreement_report(project=project, coder_ids=[coder.pk, cleo.pk], transcript_ids=[other.pk])


@pytest.mark.parametrize("coders, message", [
    (lambda u: [u["cora"].pk], "at least two coders"),
    (lambda u: [u["cora"].pk, u["olga"].pk], "coded in this project"),   # olga coded nothing
    (lambda u: [u["cora"].pk, u["otto"].pk], "coded in this project"),   # not of this project
])
def test_the_coders_compared_must_have_coded_here(project, owner, coder, cleo, outsider, coded, coders, message):
    users = {"cora": coder, "olga": owner, "otto": outsider}
    with pytest.raises(ValidationError, match=message):
        agreement_report(project=project, coder_ids=coders(users))


def test_disagreements_list_passages_not_everyone_coded_and_differing_boundaries(project, coder, cleo, coded, threat,
                                                                                 russian_interest):
    _, _, passages = disagreements(project=project, coder_ids=[coder.pk, cleo.pk])
    found = [(p.code.name, p.kind, p.start, p.end, [[s.id for s in g] for g in p.by_coder]) for p in passages]
    assert found == [
        ("Russian interest", "missing", 87, 130, [[coded["cora_interest"].pk], []]),
        ("Russian interest", "missing", 201, 239, [[], [coded["cleo_interest"].pk]]),
        ("Threat perception", "boundaries", 58, 105, [[coded["cora_threat"].pk], [coded["cleo_threat"].pk]]),
        ("Threat perception", "missing", 166, 200, [[coded["cora_threat_2"].pk], []]),
    ]
    _, _, tolerant = disagreements(project=project, coder_ids=[coder.pk, cleo.pk], overlap=0.5)
    assert [p.kind for p in tolerant] == ["missing", "missing", "missing"]


# --- the agreement on the demo study, against the reference implementations ---------------

def naive_units(project, coders, code, transcripts):
    """Per coder: 0/1 per turn and per character, from the segments, the simple way."""
    turns, chars = [[] for _ in coders], [[] for _ in coders]
    for transcript in transcripts:
        spans = [(s.coder_id, s.start, s.end) for s in Segment.objects.filter(transcript=transcript,
                                                                             codings__tag=code)]
        for i, user in enumerate(coders):
            mine = [(s, e) for c, s, e in spans if c == user.pk]
            for turn in transcript.turns.order_by("number"):
                turns[i].append(int(any(s < turn.end and turn.start < e for s, e in mine)))
            coded = np.zeros(len(transcript.text), int)
            for s, e in mine:
                coded[s:e] = 1
            chars[i].extend(coded)
    return np.array(turns), np.array(chars)


def test_the_demo_studys_agreement_matches_the_reference_implementations(db):
    from apps.demo.loader import load_demo

    project, _ = load_demo()
    User = get_user_model()
    coders = [User.objects.get(username="researcher"), User.objects.get(username="second-coder")]
    by_unit = {unit: agreement_report(project=project, coder_ids=[u.pk for u in coders], unit=unit)
               for unit in (TURN, CHARACTER)}
    transcripts = list(Transcript.objects.filter(pk__in=[t.pk for t in by_unit[TURN].transcripts]).order_by("title"))
    assert [t.expert.pseudonym for t in transcripts] == ["E1", "E2"]
    assert len(by_unit[TURN].codes) >= 15
    pooled = {TURN: [], CHARACTER: []}
    for code_row in by_unit[TURN].codes:
        turns, chars = naive_units(project, coders, code_row.code, transcripts)
        for unit, data in ((TURN, turns), (CHARACTER, chars)):
            pooled[unit].append(data)
            c = row(by_unit[unit], code_row.code).coefficients
            assert c.units == data.shape[1]
            assert c.coded == tuple(int(n) for n in data.sum(axis=1))
            assert c.percent == pytest.approx(float(np.mean(data[0] == data[1])), **CLOSE)
            assert c.cohen == pytest.approx(cohen_kappa_score(data[0], data[1]), **CLOSE), code_row.path
            counts = np.column_stack([2 - data.sum(axis=0), data.sum(axis=0)])
            assert c.fleiss == pytest.approx(statsmodels_fleiss_kappa(counts), **CLOSE)
            assert c.alpha == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
                                            **CLOSE)
    for unit, parts in pooled.items():
        data = np.concatenate(parts, axis=1)
        overall = by_unit[unit].overall
        assert overall.cohen == pytest.approx(cohen_kappa_score(data[0], data[1]), **CLOSE)
        assert overall.alpha == pytest.approx(krippendorff.alpha(reliability_data=data,
                                                                 level_of_measurement="nominal"), **CLOSE)
    # The second coder mostly agrees: high but imperfect agreement, as in a real double coding.
    assert 0.8 < by_unit[TURN].overall.cohen < 1
    assert 0.8 < by_unit[CHARACTER].overall.alpha < 1


def test_the_demos_second_coder_cannot_sign_in_and_no_login_is_printed(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    second = get_user_model().objects.get(username="second-coder")
    assert not second.has_usable_password()
    project = Project.objects.get(slug="csto-requests")
    assert Membership.objects.get(project=project, user=second).role == Role.CODER
    assert "second-coder /" not in out.getvalue() and "second-coder (" not in out.getvalue()
    assert Segment.objects.filter(project=project, coder=second).count() == 74


# --- the pages -----------------------------------------------------------------------------

def agreement_url(project, **query):
    return _with(reverse("agreement", args=[project.slug]), query)


def disagreements_url(project, **query):
    return _with(reverse("agreement_disagreements", args=[project.slug]), query)


def _with(url, query):
    parts = [f"{k}={v}" for k, values in query.items() for v in (values if isinstance(values, list) else [values])]
    return url + ("?" + "&".join(parts) if parts else "")


@pytest.mark.parametrize("who", ["owner", "coder", "reviewer"])
def test_every_member_sees_the_agreement(client_for, project, coded, request, who):
    response = client_for(request.getfixturevalue(who)).get(agreement_url(project, unit="character", overlap=50))
    assert response.status_code == 200
    report = response.context["report"]
    assert [u.username for u in report.coders] == ["cleo", "cora"] and report.overlap == 0.5
    page = response.content.decode()
    assert "Threat perception" in page and "Krippendorff" in page


def test_the_agreement_page_explains_when_there_is_no_second_coder(client_for, project, owner, transcript, coder,
                                                                   threat):
    code(transcript, coder, "Because Moscow wanted it to.", threat)
    response = client_for(owner).get(agreement_url(project))
    assert response.status_code == 200
    assert "needs two or more coders" in response.content.decode()


@pytest.mark.parametrize("query, reason", [
    ({"unit": "word"}, "unit"),
    ({"overlap": 0}, "overlap"),
    ({"overlap": 101}, "overlap"),
    ({"coders": "x"}, "coders"),
    ({"coders": 99999}, "coders"),
])
def test_the_agreement_page_refuses_bad_choices_with_the_reason(client_for, project, owner, coded, query, reason):
    response = client_for(owner).get(agreement_url(project, **query))
    assert response.status_code == 400
    assert response.context["report"] is None
    assert reason in response.content.decode()


def test_the_agreement_page_with_one_coder_chosen_says_why(client_for, project, owner, coder, coded):
    response = client_for(owner).get(agreement_url(project, coders=coder.pk))
    assert response.status_code == 400
    assert "at least two coders" in response.content.decode()


def test_the_agreement_pages_are_404_for_a_member_of_another_project(client_for, project, outsider, coded):
    client = client_for(outsider)
    assert client.get(agreement_url(project)).status_code == 404
    assert client.get(disagreements_url(project)).status_code == 404


def test_the_agreement_page_sends_anonymous_users_to_sign_in(client, project):
    assert client.get(agreement_url(project)).status_code == 302


@pytest.mark.parametrize("passages", [1, 25])
def test_the_agreement_pages_run_a_fixed_number_of_queries(client_for, project, owner, transcript, coder, cleo,
                                                           threat, russian_interest, passages,
                                                           django_assert_max_num_queries):
    from apps.transcripts.services import transcript_create

    for i in range(passages):
        other = transcript_create(project=project, title=f"Interview {i}", created_by=owner,
                                  text=f"E{i}: Moscow wanted it. Nobody else did.\n\nE{i}: A second turn here.")
        code(other, coder, "Moscow wanted it.", threat, russian_interest)
        code(other, cleo, "Moscow wanted it. Nobody", threat)
    client = client_for(owner)
    for url in (agreement_url(project), agreement_url(project, unit="character"), disagreements_url(project)):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_the_disagreements_are_side_by_side_with_the_settle_controls_for_coders(client_for, project, coder, coded):
    page = client_for(coder).get(disagreements_url(project)).content.decode()
    assert page.count('class="passage"') == 4
    assert "Because Moscow wanted it to. The members feared" in page
    assert 'value="keep"' in page and 'value="merge"' in page and 'value="discard"' in page
    assert "Not coded." in page and "E1, ¶2" in page


def test_a_reviewer_sees_the_disagreements_without_settle_controls_but_may_discuss(client_for, project, reviewer,
                                                                                   coded):
    page = client_for(reviewer).get(disagreements_url(project)).content.decode()
    assert page.count('class="passage"') == 4
    assert 'value="keep"' not in page and 'value="merge"' not in page and 'value="discard"' not in page
    assert reverse("agreement_discuss", args=[project.slug]) in page


def test_the_disagreements_of_one_code(client_for, project, owner, coded, threat):
    response = client_for(owner).get(disagreements_url(project, code=threat.pk))
    assert {p.code for p in response.context["passages"]} == {threat}


def test_the_disagreements_page_escapes_quotes_and_code_names(client_for, project, owner, transcript, coder, cleo,
                                                              threat):
    from apps.coding.services import code_update

    code_update(code=threat, actor=owner, name="<script>alert(1)</script>")
    code(transcript, coder, "Because Moscow wanted it to.", threat)
    code(transcript, cleo, "Because Moscow wanted it to. The", threat)
    page = client_for(owner).get(disagreements_url(project)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- settling -------------------------------------------------------------------------------

def settle(client, project, action, code, segments, keep=None, query="coders=1"):
    data = {"action": action, "code": code.pk, "segments": ",".join(f"{s.pk}:{s.version}" for s in segments),
            "query": query}
    if keep is not None:
        data["keep"] = keep.pk
    return client.post(reverse("agreement_settle", args=[project.slug]), data)


def codes_of(segment):
    return sorted(Segment.all_objects.get(pk=segment.pk).codings.values_list("tag__name", flat=True))


def test_keeping_one_coding_takes_the_code_off_the_others(client_for, project, owner, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    response = settle(client_for(owner), project, "keep", threat, [cora, cleo_s], keep=cora)
    assert response.status_code == 302 and response["Location"].endswith("/agreement/disagreements/?coders=1")
    assert Segment.all_objects.get(pk=cleo_s.pk).deleted_at is not None    # it had no other code: to the trash
    assert Segment.objects.get(pk=cora.pk).version == cora.version


def test_keeping_leaves_the_other_codes_of_a_segment(client_for, project, owner, transcript, coder, cleo, threat,
                                                     russian_interest):
    mine = code(transcript, coder, "Because Moscow wanted it to.", threat)
    theirs = code(transcript, cleo, "Because Moscow wanted it to. The", threat, russian_interest)
    settle(client_for(owner), project, "keep", threat, [mine, theirs], keep=mine)
    assert codes_of(theirs) == ["Russian interest"]
    assert Segment.objects.filter(pk=theirs.pk).exists()


def test_merging_extends_one_segment_over_the_others(client_for, project, owner, transcript, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    settle(client_for(owner), project, "merge", threat, [cora, cleo_s], keep=cora)
    merged = Segment.objects.get(pk=cora.pk)
    assert (merged.start, merged.end) == (58, 105)
    assert merged.quote == transcript.text[58:105]
    assert not Segment.objects.filter(pk=cleo_s.pk).exists()


def test_discarding_takes_the_code_off_the_passage(client_for, project, owner, coded, threat):
    lone = coded["cora_threat_2"]
    settle(client_for(owner), project, "discard", threat, [lone])
    assert not Segment.objects.filter(pk=lone.pk).exists()
    assert Segment.all_objects.filter(pk=lone.pk).exists()      # in the trash, restorable


def test_settling_a_passage_that_changed_meanwhile_changes_nothing(client_for, project, owner, coder, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    stale = [cora, cleo_s]
    segment_update(segment=cleo_s, version=cleo_s.version, actor=coder, memo="changed meanwhile")
    response = settle(client_for(owner), project, "keep", threat, stale, keep=cora)
    assert response.status_code == 302
    assert Segment.objects.get(pk=cleo_s.pk).memo == "changed meanwhile"
    assert codes_of(cleo_s) == ["Threat perception"]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("changed a segment of this passage meanwhile" in m for m in messages)


def test_under_independent_coding_only_owners_settle_anothers_coding(client_for, project, owner, coder, coded,
                                                                     threat):
    project_settings_update(project=project, actor=owner, independent_coding=True)
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    response = settle(client_for(coder), project, "keep", threat, [cora, cleo_s], keep=cora)
    assert response.status_code == 302
    assert codes_of(cleo_s) == ["Threat perception"] and Segment.objects.filter(pk=cleo_s.pk).exists()
    assert any("coded independently" in str(m) for m in response.wsgi_request._messages)
    settle(client_for(owner), project, "keep", threat, [cora, cleo_s], keep=cora)
    assert not Segment.objects.filter(pk=cleo_s.pk).exists()


def test_a_reviewer_may_not_settle(client_for, project, reviewer, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    assert settle(client_for(reviewer), project, "keep", threat, [cora, cleo_s], keep=cora).status_code == 403
    assert Segment.objects.filter(pk=cleo_s.pk).exists()


def test_a_member_of_another_project_may_not_settle(client_for, project, outsider, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    assert settle(client_for(outsider), project, "keep", threat, [cora, cleo_s], keep=cora).status_code == 404
    assert Segment.objects.filter(pk=cleo_s.pk).exists()


@pytest.mark.parametrize("change, reason", [
    ({"action": "burn"}, "action"),
    ({"segments": "12"}, "id:version"),
    ({"code": ""}, "code"),
])
def test_settling_with_bad_input_says_why_and_changes_nothing(client_for, project, owner, coded, threat, change,
                                                              reason):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    data = {"action": "keep", "code": threat.pk, "keep": cora.pk,
            "segments": f"{cora.pk}:{cora.version},{cleo_s.pk}:{cleo_s.version}", **change}
    response = client_for(owner).post(reverse("agreement_settle", args=[project.slug]), data)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert Segment.objects.filter(pk=cleo_s.pk).exists()


def test_keeping_needs_a_segment_of_the_passage(client_for, project, owner, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    response = settle(client_for(owner), project, "keep", threat, [cora, cleo_s], keep=coded["cora_interest"])
    assert any("Choose which of the passage's segments to keep" in str(m) for m in response.wsgi_request._messages)
    assert Segment.objects.filter(pk=cleo_s.pk).exists()


def test_settling_segments_of_another_project_is_refused(client_for, project, owner, outsider, other_project,
                                                         other_project_code, coded, threat):
    from apps.transcripts.services import transcript_create

    theirs_t = transcript_create(project=other_project, title="Theirs", text="E9: Their words.", created_by=outsider)
    theirs = segment_create(transcript=theirs_t, start=4, end=9, coder=outsider, codes=[other_project_code])
    settle(client_for(owner), project, "discard", threat, [theirs])
    assert Segment.objects.filter(pk=theirs.pk).exists()
    response = settle(client_for(owner), project, "discard", other_project_code, [theirs])
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["reviewer", "coder"])
def test_discussing_a_passage_comments_on_its_segment(client_for, project, coded, request, who):
    segment = coded["cleo_threat"]
    response = client_for(request.getfixturevalue(who)).post(
        reverse("agreement_discuss", args=[project.slug]),
        {"segment": segment.pk, "text": "Does 'the members feared' belong to the threat?", "query": ""})
    assert response.status_code == 302
    comment = Comment.objects.get(segment=segment)
    assert comment.author.username == {"reviewer": "rita", "coder": "cora"}[who]


def test_discussing_needs_some_text(client_for, project, reviewer, coded):
    response = client_for(reviewer).post(reverse("agreement_discuss", args=[project.slug]),
                                         {"segment": coded["cleo_threat"].pk, "text": ""})
    assert response.status_code == 400 and "text" in response.content.decode()
    assert not Comment.objects.exists()


def test_discussing_another_projects_segment_is_404(client_for, project, reviewer, outsider, other_project,
                                                    other_project_code):
    from apps.transcripts.services import transcript_create

    theirs_t = transcript_create(project=other_project, title="Theirs", text="E9: Their words.", created_by=outsider)
    theirs = segment_create(transcript=theirs_t, start=4, end=9, coder=outsider, codes=[other_project_code])
    response = client_for(reviewer).post(reverse("agreement_discuss", args=[project.slug]),
                                         {"segment": theirs.pk, "text": "hello"})
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_the_settle_routes_need_a_post(client_for, project, owner):
    client = client_for(owner)
    assert client.get(reverse("agreement_settle", args=[project.slug])).status_code == 405
    assert client.get(reverse("agreement_discuss", args=[project.slug])).status_code == 405


def test_settling_leaves_a_history(client_for, project, owner, coded, threat):
    cora, cleo_s = coded["cora_threat"], coded["cleo_threat"]
    settle(client_for(owner), project, "merge", threat, [cora, cleo_s], keep=cora)
    from apps.projects.models import Activity

    verbs = list(Activity.objects.filter(project=project, target_type="segment", actor=owner)
                 .order_by("id").values_list("verb", "target_id"))
    assert verbs == [("deleted", cleo_s.pk), ("edited", cora.pk)]

