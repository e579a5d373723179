"""The import page (several files at once, per-file results, duplicates asked about,
pseudonymisation previewed and applied), the speakers page, and their JSON API.

Files are made here with the real libraries of their formats (python-docx, odfpy, fpdf2)
or written as the bytes the format is, and go through Django's real multipart handling.
"""
from __future__ import annotations

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from odf.opendocument import OpenDocumentText
from odf.text import P

from apps.projects.models import Activity
from apps.transcripts.models import Expert, Transcript
from apps.transcripts.services import expert_create, transcript_create
from tests.snapshot import row_counts
from tests.transcripts.test_importers import (
    ANSWER,
    RUSSIAN,
    SAVED_PAGE,
    VTT,
    bold_label_paragraph,
    docx_bytes,
    odt_bytes,
    pdf_with_text,
    pdf_without_text,
    qda_pdf,
)

# --- files ----------------------------------------------------------------------------------


def word_interview(speaker: str = "E3", turns: int = 2) -> bytes:
    document = docx.Document()
    document.add_heading("Interview, 14 March 2024", level=1)
    for i in range(turns):
        bold_label_paragraph(document, "Interviewer", f"Why did the CSTO say no in 2010? ({i})")
        bold_label_paragraph(document, speaker, f"It was called an internal matter of Kyrgyzstan. ({i})")
    return docx_bytes(document)


def odt_interview() -> bytes:
    document = OpenDocumentText()
    document.text.addElement(P(text="Interviewer: And Armenia in 2022?"))
    document.text.addElement(P(text="E6: Only an assessment mission came."))
    return odt_bytes(document)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def url(project) -> str:
    return reverse("transcript_import", args=[project.slug])


def post_import(client, project, files, action="import", **extra):
    return client.post(url(project), {"files": files, "action": action, **extra})


def results_of(response) -> dict[str, str]:
    """{file name: status} of the result list, read from its data attributes."""
    import re

    return dict(re.findall(r'data-file="([^"]*)" data-status="(\w+)"', response.content.decode()))


# --- the page -------------------------------------------------------------------------------


def test_import_page_offers_a_drop_zone_and_a_file_input_for_several_files(client_for, coder, project, expert):
    response = client_for(coder).get(url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-drop-zone" in html and 'type="file" name="files"' in html and " multiple " in html
    assert 'data-next-expert="2"' in html  # E1 exists
    assert 'src="/static/js/transcripts/import.js"' in html and "<script>" not in html


def test_import_page_is_for_coders_and_owners_only(client_for, reviewer, outsider, owner, project):
    assert client_for(reviewer).get(url(project)).status_code == 403
    assert client_for(reviewer).post(url(project), {"files": [upload("E3.docx", word_interview())]}).status_code == 403
    assert client_for(outsider).get(url(project)).status_code == 404
    assert client_for(owner).get(url(project)).status_code == 200
    assert not Transcript.objects.exists()


def test_import_page_needs_a_sign_in(client, project):
    response = client.get(url(project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_links_to_the_import_page_for_coders_not_reviewers(client_for, coder, reviewer, project):
    home = reverse("project_home", args=[project.slug])
    assert url(project) in client_for(coder).get(home).content.decode()
    assert url(project) not in client_for(reviewer).get(home).content.decode()


# --- storing files of several formats --------------------------------------------------------


def test_files_of_several_formats_are_stored_with_their_turns_speakers_and_experts(client_for, coder, project):
    files = [
        upload("E3.docx", word_interview("E3")),
        upload("Interview e4 (Russian).txt", RUSSIAN.encode("cp1251")),
        upload("call.vtt", VTT.encode()),
        upload("E6.odt", odt_interview()),
        upload("E7.pdf", pdf_with_text([["Interviewer: And Tajikistan?", "E7: Pledges, exercises, no troops."]])),
    ]
    response = post_import(client_for(coder), project, files)

    assert response.status_code == 200
    assert results_of(response) == {"E3.docx": "stored", "Interview e4 (Russian).txt": "stored", "call.vtt": "stored",
                                    "E6.odt": "stored", "E7.pdf": "stored"}
    assert "Imported 5 of 5 files" in response.content.decode()
    word = Transcript.objects.get(title="E3")
    assert (word.expert.pseudonym, word.source_format, word.source_filename, word.created_by) == ("E3", "docx",
                                                                                               "E3.docx", coder)
    assert [(t.speaker, word.text[t.start:t.end]) for t in word.turns.all()][1:3] == [
        ("Interviewer", "Why did the CSTO say no in 2010? (0)"),
        ("E3", "It was called an internal matter of Kyrgyzstan. (0)"),
    ]
    assert word.expert_speaker == "E3"
    russian = Transcript.objects.get(title="Interview e4 (Russian)")
    assert russian.expert.pseudonym == "E4" and "Токаев сослался на статью 4" in russian.text
    assert list(russian.turns.values_list("speaker", flat=True)) == ["Интервьюер", "Эксперт"] * 2
    assert russian.expert_speaker == "Эксперт"  # the one speaker who is not the interviewer
    subtitles = Transcript.objects.get(title="call")
    assert subtitles.expert.pseudonym == "E8"  # a new expert after E3, E4, E6 and E7 taken from the names
    first = subtitles.turns.first()
    assert (first.speaker, first.meta["time"]) == ("Interviewer", "00:00:01")
    assert subtitles.expert_speaker == "Anna Petrova"
    assert Transcript.objects.get(title="E6").turns.count() == 2
    assert Transcript.objects.get(title="E7").expert_speaker == "E7"
    assert set(Expert.objects.filter(project=project).values_list("pseudonym", flat=True)) == {
        "E3", "E4", "E6", "E7", "E8"}
    assert Activity.objects.filter(project=project, verb="imported").count() == 5


def test_the_result_list_shows_speakers_and_links_to_rename_them(client_for, coder, project):
    response = post_import(client_for(coder), project, [upload("E3.docx", word_interview("E3", turns=3))])
    html = response.content.decode()
    transcript = Transcript.objects.get()
    assert reverse("transcript_speakers", args=[project.slug, transcript.pk]) in html
    assert 'Interviewer <span class="count">3</span>' in html and 'E3 <span class="count">3</span>' in html
    assert "the expert speaks as E3" in html


def test_an_expert_pseudonym_per_file_overrides_the_file_name(client_for, coder, project, expert):
    files = [upload("E3.docx", word_interview("E3")), upload("notes.txt", b"Interviewer: Why?\n\nE1: Because.")]
    post_import(client_for(coder), project, files, experts=["E9", "E1"])
    assert Transcript.objects.get(title="E3").expert.pseudonym == "E9"
    assert Transcript.objects.get(title="notes").expert == expert  # an existing expert is reused
    assert Expert.objects.filter(project=project).count() == 2


def test_a_title_taken_in_the_project_gets_a_number(client_for, coder, project, transcript):
    post_import(client_for(coder), project, [upload("Interview E1.txt", b"Interviewer: Another day.\n\nE1: Yes.")])
    assert Transcript.objects.filter(title="Interview E1 (2)").exists()


# --- bad files --------------------------------------------------------------------------------


def test_one_bad_file_in_a_batch_is_named_with_its_reason_and_the_others_are_stored(client_for, coder, project):
    before = row_counts()
    files = [
        upload("E3.docx", word_interview("E3")),
        upload("broken.docx", b"this is not a zip archive"),
        upload("empty.txt", b""),
        upload("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        upload("scan.pdf", pdf_without_text()),
        upload("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        upload("E5.txt", "Interviewer: Why?\r\n\r\nE5: Because.\r\n".encode("utf-16")),
    ]
    response = post_import(client_for(coder), project, files)

    assert response.status_code == 200
    assert results_of(response) == {"E3.docx": "stored", "broken.docx": "rejected", "empty.txt": "rejected",
                                     "photo.txt": "rejected", "scan.pdf": "rejected", "old.doc": "rejected",
                                     "E5.txt": "stored"}
    html = response.content.decode()
    assert "broken.docx: this is not a valid Word (.docx) file: it is not a readable ZIP archive" in html
    assert "empty.txt: the file is empty (0 bytes)" in html
    assert "photo.txt: this is not a text file: it looks like a PNG image" in html
    assert "scan.pdf: the PDF has no text layer (is it a scan?)" in html
    assert "old.doc: this is an old-style Word 97-2003 document" in html
    assert "Stored: E3.docx, E5.txt." in html
    assert "Not imported: broken.docx, empty.txt, photo.txt, scan.pdf, old.doc." in html
    # Nothing is stored for the bad files: two transcripts, their two experts, nothing else.
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["E3", "E5"]
    after = row_counts()
    assert after["transcripts.Transcript"] - before["transcripts.Transcript"] == 2
    assert after["transcripts.Expert"] - before["transcripts.Expert"] == 2


def test_a_file_over_the_size_limit_is_refused_with_the_limit(client_for, coder, project, settings):
    settings.CASECODER_MAX_UPLOAD_BYTES = 2000
    files = [upload("long.txt", b"Interviewer: Why?\n\nE1: " + b"Because. " * 400), upload("E2.txt", b"E2: Short.")]
    response = post_import(client_for(coder), project, files)
    assert results_of(response) == {"long.txt": "rejected", "E2.txt": "stored"}
    assert "long.txt: the file is 3.5 KB, over the upload limit of 2.0 KB" in response.content.decode()
    assert list(Transcript.objects.values_list("title", flat=True)) == ["E2"]


def test_submitting_no_file_is_a_400_with_the_reason(client_for, coder, project):
    response = client_for(coder).post(url(project), {"action": "import"})
    assert response.status_code == 400
    assert "Choose at least one file to import." in response.content.decode()


# --- duplicates --------------------------------------------------------------------------------


def test_importing_the_same_text_twice_asks_first(client_for, coder, project):
    client = client_for(coder)
    data = word_interview("E3")
    post_import(client, project, [upload("E3.docx", data)])

    again = post_import(client, project, [upload("E3 copy.docx", data)])
    assert results_of(again) == {"E3 copy.docx": "duplicate"}
    html = again.content.decode()
    assert "E3 copy.docx: the same text is already in this project as &#x27;E3&#x27;" in html
    assert 'name="import_anyway" value="E3 copy.docx"' in html and "Import the ticked files anyway" in html
    assert Transcript.objects.count() == 1

    anyway = post_import(client, project, [upload("E3 copy.docx", data)], import_anyway=["E3 copy.docx"])
    assert results_of(anyway) == {"E3 copy.docx": "stored"}
    assert "a second copy of “E3”" in anyway.content.decode()
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["E3", "E3 copy"]


def test_the_same_text_twice_in_one_batch_is_asked_about_once(client_for, coder, project):
    data = word_interview("E3")
    response = post_import(client_for(coder), project, [upload("E3.docx", data), upload("E3 again.docx", data)])
    assert results_of(response) == {"E3.docx": "stored", "E3 again.docx": "duplicate"}
    assert "the same text is also in the file &#x27;E3.docx&#x27;" in response.content.decode()
    assert Transcript.objects.count() == 1


# --- pseudonymisation ---------------------------------------------------------------------------

PETROV = (
    "Interviewer: You spoke with Ivan Petrov in Moscow?\n\n"
    "Ivan Petrov: Yes. Anna Smirnova was there too; Ivan Petrov is my name, IVAN PETROV in my passport."
)


def test_preview_counts_the_names_to_replace_and_stores_nothing(client_for, coder, project):
    before = row_counts()
    response = post_import(client_for(coder), project, [upload("Ivan Petrov.txt", PETROV.encode())], action="preview",
                           pseudonyms="Ivan Petrov -> E3\nAnna Smirnova -> E9\nBoris -> E10")
    assert response.status_code == 200
    html = response.content.decode()
    assert results_of(response) == {"Ivan Petrov.txt": "ready"}
    assert "Preview of 1 file: nothing is stored yet" in html
    assert "Ivan Petrov → E3: 3 times" in html and "1 more in other capitals, not replaced" in html
    assert "Anna Smirnova → E9: 1 time" in html and "Boris → E10: 0 times" in html
    assert "→ E3" in html and "expert E3 (new)" in html  # the title and the expert come from the pseudonymised name
    assert row_counts() == before


def test_pseudonyms_are_applied_to_the_stored_text_speakers_and_title_and_kept_apart(client_for, coder, project):
    post_import(client_for(coder), project, [upload("Ivan Petrov.txt", PETROV.encode())],
                pseudonyms="Ivan Petrov -> E3\nAnna Smirnova -> E9")
    transcript = Transcript.objects.get()
    assert "Ivan Petrov" not in transcript.text and "Anna Smirnova" not in transcript.text
    assert transcript.text.startswith("Interviewer: You spoke with E3 in Moscow?\n\nE3: Yes. E9 was there too")
    assert "IVAN PETROV" in transcript.text  # other capitals are shown in the preview, not replaced
    assert (transcript.title, transcript.source_filename) == ("E3", "E3.txt")
    assert list(transcript.turns.values_list("speaker", flat=True)) == ["Interviewer", "E3"]
    assert transcript.expert_speaker == "E3"
    assert transcript.pseudonym_map == [{"name": "Ivan Petrov", "pseudonym": "E3", "count": 3},
                                        {"name": "Anna Smirnova", "pseudonym": "E9", "count": 1}]
    assert transcript.expert.pseudonym == "E3" and transcript.expert.real_name == "Ivan Petrov"
    assert "Ivan Petrov" not in str(Activity.objects.filter(project=project).values_list("summary", flat=True))


def test_a_bad_pseudonym_list_names_the_line_and_stores_nothing(client_for, coder, project):
    before = row_counts()
    response = post_import(client_for(coder), project, [upload("E3.docx", word_interview())],
                           pseudonyms="Ivan Petrov -> E3\nAnna Smirnova E9\nIvan Petrov -> E4")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2 (&#x27;Anna Smirnova E9&#x27;): write the name, &#x27;-&gt;&#x27; and the pseudonym" in html
    assert "Line 3: &#x27;Ivan Petrov&#x27; is given twice (also on line 1)." in html
    assert row_counts() == before


# --- speakers in the preview, and their corrections ------------------------------------------------

SPEECHES = (
    "Moderator: Good afternoon.\n\nPresident of Russia Vladimir Putin: Thank you.\n\nWe discussed Kazakhstan.\n\n"
    "Moderator: And the others?\n\nVladimir Putin: As they told us:\nGermany: we will not send troops.\n\n"
    "Respondent: A question from the floor.\n\nModerator: Thank you."
)


def test_the_preview_shows_each_speaker_with_turns_and_first_words_and_labels_not_taken(client_for, coder, project):
    before = row_counts()
    response = post_import(client_for(coder), project, [upload("E8.txt", SPEECHES.encode())], action="preview")
    html = response.content.decode()
    assert results_of(response) == {"E8.txt": "ready"}
    assert 'Moderator <span class="count">3</span>' in html  # turns, not paragraphs
    assert 'President of Russia Vladimir Putin <span class="count">1</span>' in html
    labels = html.split("<caption>Speakers found")[1]
    assert "a title and a name at the start of a paragraph" in labels
    assert "the same person as Vladimir Putin?" in labels
    not_taken = html.split("Looks like a label, not taken")[1]
    assert "Germany" in not_taken and "a place name" in not_taken and "Germany: we will not send troops." in not_taken
    # A correction names the file and the label(s), apart by a tab (&#9;).
    assert 'name="reject_label" value="E8.txt&#9;Respondent"' in html
    assert 'name="take_label" value="E8.txt&#9;Germany"' in html
    assert '<option value="E8.txt&#9;President of Russia Vladimir Putin&#9;Vladimir Putin">' in html
    assert row_counts() == before


def test_corrections_of_the_preview_are_applied_to_the_stored_turns(client_for, coder, project):
    client = client_for(coder)
    choices = {"reject_label": ["E8.txt\tRespondent"], "take_label": ["E8.txt\tGermany"],
               "merge_label": ["E8.txt\tPresident of Russia Vladimir Putin\tVladimir Putin"]}
    preview = post_import(client, project, [upload("E8.txt", SPEECHES.encode())], action="preview", **choices)
    html = preview.content.decode()
    assert 'value="E8.txt&#9;Respondent" form="import-form" data-speaker-choice checked' in html  # kept
    assert 'value="E8.txt&#9;Germany" form="import-form" data-speaker-choice checked' in html
    assert ' selected>Vladimir Putin</option>' in html
    assert not Transcript.objects.exists()

    post_import(client, project, [upload("E8.txt", SPEECHES.encode())], **choices)
    transcript = Transcript.objects.get()
    assert [(t.speaker, transcript.text[t.start:t.end]) for t in transcript.turns.all()] == [
        ("Moderator", "Good afternoon."), ("Vladimir Putin", "Thank you."), ("Vladimir Putin", "We discussed Kazakhstan."),
        ("Moderator", "And the others?"), ("Vladimir Putin", "As they told us:"),
        ("Germany", "we will not send troops."), ("Germany", "Respondent: A question from the floor."),
        ("Moderator", "Thank you."),
    ]


def turn_speakers(transcript) -> list[str]:
    return list(transcript.turns.order_by("number").values_list("speaker", flat=True))


@pytest.mark.parametrize("pseudonyms", ["", "Vladimir Putin -> E9\nModerator -> M1"])
def test_corrections_of_the_preview_still_hold_after_the_text_is_edited(client_for, coder, project, pseudonyms):
    """Issue 15: an edit of the text split it again as if nothing had been decided at import,
    so a rejected label came back as a speaker and a taken one went. The corrections are
    stored with the transcript (pseudonymised with its text) and applied to every edit."""
    from apps.coding.services import transcript_update_text

    choices = {"reject_label": ["E8.txt\tRespondent"], "take_label": ["E8.txt\tGermany"],
               "merge_label": ["E8.txt\tPresident of Russia Vladimir Putin\tVladimir Putin"]}
    post_import(client_for(coder), project, [upload("E8.txt", SPEECHES.encode())], pseudonyms=pseudonyms, **choices)
    transcript = Transcript.objects.get()
    imported = turn_speakers(transcript)
    assert "Respondent" not in imported and "Germany" in imported
    assert len(set(imported)) == 3, imported  # the moderator, Putin merged, Germany taken
    transcript_update_text(transcript=transcript, text=transcript.text.replace("Thank you.", "Thank you all.", 1),
                           version=transcript.version, actor=coder)
    transcript.refresh_from_db()
    assert "Thank you all." in transcript.text
    assert turn_speakers(transcript) == imported


def test_the_speakers_page_counts_turns_not_paragraphs(client_for, coder, project):
    from apps.transcripts.selectors import transcript_speakers

    post_import(client_for(coder), project, [upload("E8.txt", SPEECHES.encode())])
    transcript = Transcript.objects.get()
    paragraphs = transcript.turns.filter(speaker="President of Russia Vladimir Putin").count()
    rows = {row.speaker: row.turns for row in transcript_speakers(transcript=transcript)}
    assert paragraphs == 2 and rows["President of Russia Vladimir Putin"] == 1
    assert rows["Moderator"] == 3


def api_import(client, project, files, **form):
    return client.post(f"/api/projects/{project.slug}/transcripts/import", {"files": files, **form})


def test_the_api_lists_the_labels_and_takes_the_corrections_of_the_preview(client_for, coder, project):
    client = client_for(coder)
    preview = api_import(client, project, [upload("E8.txt", SPEECHES.encode())], preview="true").json()
    labels = {label["label"]: label for label in preview["results"][0]["labels"]}
    assert labels["Germany"]["taken"] is False and "a place name" in labels["Germany"]["why"]
    assert labels["Moderator"]["taken"] is True and labels["Moderator"]["turns"] == 3
    assert not Transcript.objects.exists()

    answer = api_import(client, project, [upload("E8.txt", SPEECHES.encode())],
                        reject_label=["E8.txt\tRespondent"], take_label=["E8.txt\tGermany"]).json()
    assert answer["stored"] == 1
    labels = {label["label"]: label for label in answer["results"][0]["labels"]}
    assert labels["Germany"]["chosen"] == "take" and labels["Respondent"]["chosen"] == "reject"
    speakers = turn_speakers(Transcript.objects.get())
    assert "Germany" in speakers and "Respondent" not in speakers


def test_the_api_refuses_an_unreadable_correction_and_stores_nothing(client_for, coder, project):
    response = api_import(client_for(coder), project, [upload("E8.txt", SPEECHES.encode())],
                          merge_label=["E8.txt\tModerator"])
    assert response.status_code == 422
    assert "A speaker correction could not be read" in response.json()["detail"]
    assert not Transcript.objects.exists()


def test_corrections_for_another_file_leave_a_file_alone(client_for, coder, project):
    post_import(client_for(coder), project, [upload("E8.txt", SPEECHES.encode())],
                reject_label=["other.txt\tModerator"])
    assert Transcript.objects.get().turns.filter(speaker="Moderator").count() == 3


def test_an_unreadable_correction_is_a_400_with_the_reason(client_for, coder, project):
    response = post_import(client_for(coder), project, [upload("E8.txt", SPEECHES.encode())],
                           merge_label=["E8.txt\tModerator"])
    assert response.status_code == 400
    assert "A speaker correction could not be read" in response.content.decode()
    assert not Transcript.objects.exists()


def test_a_saved_web_page_is_previewed_with_what_was_left_out_and_can_be_kept_whole(client_for, coder, project):
    client = client_for(coder)
    response = post_import(client, project, [upload("E5.html", SAVED_PAGE.encode())], action="preview")
    html = response.content.decode()
    assert "Left out: 18 paragraphs of the page around the transcript" in html
    assert "<li>Section 0</li>" in html and "Keep the whole page" in html
    assert 'name="whole_page" value="E5.html"' in html

    post_import(client, project, [upload("E5.html", SAVED_PAGE.encode())], whole_page=["E5.html"])
    assert "Section 3" in Transcript.objects.get().text


def test_a_pdf_preview_says_which_page_numbers_and_headers_were_left_out(client_for, coder, project):
    paragraphs = [f"Interviewer: Why? ({i})" if i % 2 == 0 else f"E3: {ANSWER * 3}" for i in range(24)]
    html = post_import(client_for(coder), project, [upload("E3.pdf", qda_pdf(paragraphs))],
                       action="preview").content.decode()
    assert "Left out: 24 paragraph numbers in the margin" in html
    assert "Left out: 1 running headers and footers" not in html and "running headers and footers" in html
    assert "Keep the whole page" not in html


# --- the page's script gets the result list only ------------------------------------------------


def test_a_fetch_request_gets_only_the_result_list(client_for, coder, project):
    response = client_for(coder).post(url(project), {"files": [upload("E3.docx", word_interview())],
                                                     "action": "import"}, headers={"X-Requested-With": "fetch"})
    html = response.content.decode()
    assert response.status_code == 200 and "data-import-results" in html
    assert "<html" not in html and "data-drop-zone" not in html


def test_transcript_text_in_results_is_escaped(client_for, coder, project):
    response = post_import(client_for(coder), project, [upload("<i>x.txt", b"<b>Interviewer</b>: hello"),
                                                        upload("<i>y.txt", b"")])
    html = response.content.decode()
    assert "<i>x" not in html and "&lt;i&gt;x.txt" in html
    assert "&lt;i&gt;y.txt: the file is empty" in html
    assert Transcript.objects.get().title == "<i>x"  # stored as typed, shown escaped


# --- query bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize("turns", [2, 400])
def test_an_import_runs_a_bounded_number_of_queries_whatever_the_file_size(client_for, coder, project, turns,
                                                                          django_assert_max_num_queries):
    client = client_for(coder)
    with django_assert_max_num_queries(32):
        response = post_import(client, project, [upload("E3.docx", word_interview("E3", turns=turns))])
    assert results_of(response) == {"E3.docx": "stored"}
    assert Transcript.objects.get().turns.count() == 2 * turns + 1


@pytest.mark.parametrize("n_experts", [1, 60])
def test_the_import_page_runs_a_bounded_number_of_queries(client_for, coder, owner, project, n_experts,
                                                          django_assert_max_num_queries):
    for i in range(n_experts):
        expert_create(project=project, pseudonym=f"E{i + 1}", actor=owner)
    client = client_for(coder)
    with django_assert_max_num_queries(8):
        response = client.get(url(project))
    assert f'data-next-expert="{n_experts + 1}"' in response.content.decode()


# --- speakers -------------------------------------------------------------------------------


def speakers_url(project, transcript) -> str:
    return reverse("transcript_speakers", args=[project.slug, transcript.pk])


@pytest.fixture
def interview(project, coder):
    text = ("Q: Why Kazakhstan?\n\nA: Tokayev asked.\n\nQ: And Armenia?\n\nA: Nobody wanted to fight.\n\n"
            "Anna Petrova: May I add something?\n\nA: Please.")
    return transcript_create(project=project, title="Interview", text=text, created_by=coder)


def test_speakers_page_lists_the_speakers_with_their_turns(client_for, reviewer, project, interview):
    response = client_for(reviewer).get(speakers_url(project, interview))
    assert response.status_code == 200
    html = response.content.decode()
    assert [r.speaker for r in response.context["speakers"]] == ["Q", "A", "Anna Petrova"]
    assert [r.turns for r in response.context["speakers"]] == [2, 3, 1]
    assert "<form" not in html.split('id="h-speakers"')[1]  # reviewers read, they do not rename


def test_renaming_speakers_renames_their_turns_and_marks_the_expert(client_for, coder, project, interview):
    client = client_for(coder)
    response = client.post(speakers_url(project, interview), {
        "speaker_0": "Q", "name_0": "Interviewer", "speaker_1": "A", "name_1": "E3", "speaker_2": "Anna Petrova",
        "name_2": "Anna", "expert_speaker": "1", "expert": "E3"})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert list(interview.turns.values_list("speaker", flat=True)) == ["Interviewer", "E3", "Interviewer", "E3",
                                                                       "Anna", "E3"]
    assert interview.expert_speaker == "E3" and interview.expert.pseudonym == "E3"
    assert interview.text.startswith("Q: Why Kazakhstan?")  # the labels in the text stay
    activity = Activity.objects.get(verb="changed speakers")
    assert activity.before["speakers"] == ["Q", "A", "Anna Petrova"]
    assert activity.after["speakers"] == ["Interviewer", "E3", "Anna"]


def test_two_speakers_given_the_same_name_become_one(client_for, coder, project, interview):
    client_for(coder).post(speakers_url(project, interview), {
        "speaker_0": "Q", "name_0": "Q", "speaker_1": "A", "name_1": "E3", "speaker_2": "Anna Petrova",
        "name_2": "E3", "expert_speaker": "2", "expert": ""})
    assert [r.speaker for r in client_for(coder).get(speakers_url(project, interview)).context["speakers"]] == [
        "Q", "E3"]
    interview.refresh_from_db()
    assert interview.expert_speaker == "E3" and interview.expert is None


def test_renaming_a_speaker_someone_renamed_meanwhile_is_refused(client_for, coder, project, interview):
    response = client_for(coder).post(speakers_url(project, interview), {
        "speaker_0": "Question", "name_0": "Interviewer", "speaker_1": "A", "name_1": "A", "speaker_2": "Anna Petrova",
        "name_2": "Anna Petrova", "expert_speaker": "none", "expert": ""})
    assert response.status_code == 400
    assert "There is no speaker called &#x27;Question&#x27; in this transcript" in response.content.decode()
    assert list(interview.turns.values_list("speaker", flat=True).distinct()) != ["Interviewer"]
    assert not Activity.objects.filter(verb="changed speakers").exists()


def test_an_empty_speaker_name_is_refused(client_for, coder, project, interview):
    response = client_for(coder).post(speakers_url(project, interview), {
        "speaker_0": "Q", "name_0": "", "speaker_1": "A", "name_1": "A", "speaker_2": "Anna Petrova",
        "name_2": "Anna Petrova", "expert_speaker": "none", "expert": ""})
    assert response.status_code == 400
    assert interview.turns.filter(speaker="Q").count() == 2


def test_only_coders_rename_speakers(client_for, reviewer, outsider, project, interview):
    data = {"speaker_0": "Q", "name_0": "X", "speaker_1": "A", "name_1": "A", "speaker_2": "Anna Petrova",
            "name_2": "Anna Petrova", "expert_speaker": "none"}
    assert client_for(reviewer).post(speakers_url(project, interview), data).status_code == 403
    assert client_for(outsider).get(speakers_url(project, interview)).status_code == 404
    assert interview.turns.filter(speaker="X").count() == 0


def test_a_transcript_of_another_project_is_a_404(client_for, outsider, other_project, project, interview):
    other = reverse("transcript_speakers", args=[other_project.slug, interview.pk])
    assert client_for(outsider).get(other).status_code == 404


@pytest.mark.parametrize("turns", [3, 600])
def test_the_speakers_page_runs_a_bounded_number_of_queries(client_for, coder, project, turns,
                                                            django_assert_max_num_queries):
    text = "\n\n".join(f"{'Q' if i % 2 else 'E3'}: turn {i}" for i in range(turns))
    transcript = transcript_create(project=project, title="Long", text=text, created_by=coder)
    client = client_for(coder)
    with django_assert_max_num_queries(8):
        response = client.get(speakers_url(project, transcript))
    assert sum(r.turns for r in response.context["speakers"]) == turns


# --- the JSON API ------------------------------------------------------------------------------


def api(project, path: str = "") -> str:
    return f"/api/projects/{project.slug}/transcripts{path}"


def test_api_imports_files_and_reports_each(client_for, coder, project):
    response = client_for(coder).post(api(project, "/import"), {
        "files": [upload("E3.docx", word_interview()), upload("bad.docx", b"no")], "experts": ["E3", "E4"]})
    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["not_imported"], body["preview"]) == (1, 1, False)
    first, second = body["results"]
    assert (first["status"], first["expert"], first["transcript_id"]) == ("stored", "E3", Transcript.objects.get().pk)
    assert [s["speaker"] for s in first["speakers"]] == ["Interviewer", "E3"]
    assert second["status"] == "rejected" and second["reason"].startswith("bad.docx: ")


def test_api_preview_with_pseudonyms_stores_nothing(client_for, coder, project):
    before = row_counts()
    response = client_for(coder).post(api(project, "/import"), {
        "files": [upload("x.txt", PETROV.encode())], "pseudonyms": "Ivan Petrov -> E3", "preview": "true"})
    assert response.status_code == 200
    assert response.json()["results"][0]["replacements"] == [
        {"name": "Ivan Petrov", "pseudonym": "E3", "count": 3, "other_case": 1}]
    assert row_counts() == before


def test_api_import_refuses_bad_input_with_reasons(client_for, coder, reviewer, outsider, project):
    client = client_for(coder)
    bad_list = client.post(api(project, "/import"), {"files": [upload("x.txt", b"E1: x")], "pseudonyms": "nope"})
    assert bad_list.status_code == 422 and "Line 1" in bad_list.json()["detail"]
    wrong_count = client.post(api(project, "/import"), {"files": [upload("x.txt", b"E1: x")], "experts": ["E1", "E2"]})
    assert wrong_count.status_code == 422 and "one expert per file" in wrong_count.json()["detail"]
    assert client_for(reviewer).post(api(project, "/import"), {"files": [upload("x.txt", b"E1: x")]}).status_code == 403
    assert client_for(outsider).post(api(project, "/import"), {"files": [upload("x.txt", b"E1: x")]}).status_code == 404
    assert not Transcript.objects.exists()


def test_api_speakers_read_and_rename(client_for, coder, reviewer, project, interview):
    assert client_for(reviewer).get(api(project, f"/{interview.pk}/speakers")).json()["speakers"][0] == {
        "speaker": "Q", "turns": 2, "first": 1}
    client = client_for(coder)
    response = client.put(api(project, f"/{interview.pk}/speakers"),
                          {"renames": {"A": "E3"}, "expert_speaker": "E3"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["expert_speaker"] == "E3"
    assert [s["speaker"] for s in response.json()["speakers"]] == ["Q", "E3", "Anna Petrova"]
    unknown = client.put(api(project, f"/{interview.pk}/speakers"), {"renames": {"Z": "E3"}},
                         content_type="application/json")
    assert unknown.status_code == 422 and "no speaker called 'Z'" in unknown.json()["detail"]
    assert client_for(reviewer).put(api(project, f"/{interview.pk}/speakers"), {"renames": {"Q": "I"}},
                                    content_type="application/json").status_code == 403
