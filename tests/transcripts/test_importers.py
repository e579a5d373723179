"""Importing real files of every format: apps.transcripts.importers (no Django).

Every file is made here with the real library of its format (python-docx, odfpy, fpdf2,
pypdf, msoffcrypto-tool) or written as the text the format is.
"""
from __future__ import annotations

import functools
import io
import re
import struct
import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.style import Style, TextProperties
from odf.table import Table, TableCell, TableRow
from odf.text import H, LineBreak, List, ListItem, Note, NoteBody, P, S, Span
from pypdf import PdfReader, PdfWriter

from apps.transcripts.importers import EXTENSIONS, ImportRejected, ParsedTranscript, parse_upload
from apps.transcripts.text import SpeakerChoices, normalise_text, split_turns

MAX = 5 * 1024 * 1024


def parse(filename: str, data: bytes, max_bytes: int = MAX) -> ParsedTranscript:
    parsed = parse_upload(filename, data, max_bytes=max_bytes)
    check_invariants(parsed)
    return parsed


def check_invariants(parsed: ParsedTranscript) -> None:
    """What every import guarantees: stored text, turns inside it, in order, without labels."""
    assert parsed.text == normalise_text(parsed.text)
    previous_end = 0
    for turn in parsed.turns:
        assert previous_end <= turn.start < turn.end <= len(parsed.text)
        previous_end = turn.end
        words = parsed.text[turn.start : turn.end]
        assert words == words.strip()
        if turn.speaker:
            assert not words.startswith(f"{turn.speaker}:")


def said(parsed: ParsedTranscript) -> list[tuple[str, str]]:
    return [(t.speaker, parsed.text[t.start : t.end]) for t in parsed.turns]


def rejected(filename: str, data: bytes, max_bytes: int = MAX) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        parse_upload(filename, data, max_bytes=max_bytes)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.filename == filename
    assert error.reason.startswith(f"{filename}: ") and str(error) == error.reason
    return error


RUSSIAN = (
    "Интервьюер: Почему ОДКБ не вмешалась в Оше в июне 2010 года?\r\n\r\n"
    "Эксперт: Москва назвала это внутренним делом Киргизии. Помощь была только логистической.\r\n\r\n"
    "Интервьюер: А в Казахстане?\r\n\r\n"
    "Эксперт: Токаев сослался на статью 4, и силы пришли за день.\r\n"
)
RUSSIAN_TURNS = [
    ("Интервьюер", "Почему ОДКБ не вмешалась в Оше в июне 2010 года?"),
    ("Эксперт", "Москва назвала это внутренним делом Киргизии. Помощь была только логистической."),
    ("Интервьюер", "А в Казахстане?"),
    ("Эксперт", "Токаев сослался на статью 4, и силы пришли за день."),
]


# --- plain text ---------------------------------------------------------------------------


def test_txt_utf8_with_crlf_line_ends():
    parsed = parse("E1.txt", "Interviewer: Why?  \r\n\r\nE1: Because.\r\nIt was internal.\r\n".encode())
    assert parsed.format == "txt" and parsed.encoding == "utf-8"
    assert parsed.text == "Interviewer: Why?\n\nE1: Because.\nIt was internal."
    assert said(parsed) == [("Interviewer", "Why?"), ("E1", "Because.\nIt was internal.")]
    assert parsed.warnings == []


def test_txt_utf8_with_bom_and_decomposed_accents():
    parsed = parse("E2.txt", "\ufeffQ: Cafe\u0301?\nA: Oui.".encode())
    assert parsed.encoding == "utf-8-sig"
    assert parsed.text == "Q: Café?\nA: Oui."
    assert said(parsed) == [("Q", "Café?"), ("A", "Oui.")]


def test_txt_utf16_with_bom():
    data = RUSSIAN.encode("utf-16")
    assert data[:2] == b"\xff\xfe"
    parsed = parse("E3.txt", data)
    assert parsed.encoding == "utf-16"
    assert said(parsed) == RUSSIAN_TURNS
    assert "\r" not in parsed.text


def test_txt_windows_1251_cyrillic():
    parsed = parse("E4.txt", RUSSIAN.encode("cp1251"))
    assert parsed.encoding == "cp1251"
    assert parsed.text == normalise_text(RUSSIAN)
    assert said(parsed) == RUSSIAN_TURNS
    assert any("guessed as cp1251" in w for w in parsed.warnings)


def test_txt_latin1():
    text = (
        "Interviewer: Pourquoi l'OTSC n'est-elle pas intervenue?\n\n"
        "E5: C'était une affaire intérieure, à Moscou on le disait.\n"
    )
    parsed = parse("E5.txt", text.encode("latin-1"))
    assert parsed.encoding in ("cp1252", "iso8859-1")
    assert said(parsed) == [
        ("Interviewer", "Pourquoi l'OTSC n'est-elle pas intervenue?"),
        ("E5", "C'était une affaire intérieure, à Moscou on le disait."),
    ]


def test_markdown_keeps_the_text_and_finds_bold_labels():
    parsed = parse("E6.md", b"# Interview E6\n\n**Interviewer:** Why?\n\n**E6:** Because *Moscow* said so.\n")
    assert parsed.format == "md"
    assert said(parsed) == [("", "# Interview E6"), ("Interviewer", "Why?"), ("E6", "Because *Moscow* said so.")]


def test_text_without_labels_is_imported_with_a_warning():
    parsed = parse("notes.txt", b"Just some notes.\n\nNo speakers here.")
    assert said(parsed) == [("", "Just some notes."), ("", "No speakers here.")]
    assert any("no speaker labels" in w for w in parsed.warnings)


# --- Word ---------------------------------------------------------------------------------


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def bold_label_paragraph(document, speaker: str, words: str):
    paragraph = document.add_paragraph()
    paragraph.add_run(speaker).bold = True
    paragraph.add_run(" " + words)
    return paragraph


def test_docx_paragraphs_line_breaks_and_bold_speaker_names():
    document = docx.Document()
    document.add_heading("Interview E3, 14 March 2024", level=1)
    bold_label_paragraph(document, "Interviewer", "Why did the CSTO say no in 2010?")
    answer = bold_label_paragraph(document, "E3", "It was called an internal matter.")
    answer.runs[-1].add_break()
    answer.add_run("Only logistics were offered.")
    document.add_paragraph("Interviewer: And in 2022?")  # a typed label works too
    heading = document.add_paragraph()
    heading.add_run("Kazakhstan").bold = True  # a bold heading is not a speaker
    bold_label_paragraph(document, "E3", "Tokayev invoked Article 4.")
    document.add_paragraph("")
    parsed = parse("E3.docx", docx_bytes(document))
    assert parsed.format == "docx"
    assert parsed.text.split("\n\n")[1] == "Interviewer: Why did the CSTO say no in 2010?"
    assert said(parsed) == [
        ("", "Interview E3, 14 March 2024"),
        ("Interviewer", "Why did the CSTO say no in 2010?"),
        ("E3", "It was called an internal matter.\nOnly logistics were offered."),
        ("Interviewer", "And in 2022?"),
        ("Interviewer", "Kazakhstan"),
        ("E3", "Tokayev invoked Article 4."),
    ]


def test_docx_reads_tracked_insertions_and_hyperlinks_but_not_deletions():
    document = docx.Document()
    paragraph = document.add_paragraph("E1: The answer was ")
    inserted = OxmlElement("w:ins")
    inserted.set(qn("w:id"), "1")
    inserted.set(qn("w:author"), "Coder")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "clearly "
    run.append(text)
    inserted.append(run)
    deleted = OxmlElement("w:del")
    deleted.set(qn("w:id"), "2")
    deleted.set(qn("w:author"), "Coder")
    drun = OxmlElement("w:r")
    dtext = OxmlElement("w:delText")
    dtext.text = "never "
    drun.append(dtext)
    deleted.append(drun)
    paragraph._p.append(inserted)
    paragraph._p.append(deleted)
    paragraph.add_run("no.")
    document.add_paragraph("Interviewer: Thanks.")
    parsed = parse("E1.docx", docx_bytes(document))
    assert said(parsed) == [("E1", "The answer was clearly no."), ("Interviewer", "Thanks.")]


def test_docx_transcript_in_a_table():
    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for row in [("Time", "Speaker", "Text"), ("00:00:05", "Interviewer", "Why?"), ("00:00:09", "E2", "Because.")]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    parsed = parse("E2.docx", docx_bytes(document))
    assert said(parsed) == [("Interviewer", "Why?"), ("E2", "Because.")]
    assert [t.meta for t in parsed.turns] == [{"time": "00:00:05"}, {"time": "00:00:09"}]


def test_docx_turns_match_split_turns_of_its_text():
    document = docx.Document()
    for speaker, words in [("Interviewer", "One?"), ("Anna", "Two."), ("Interviewer", "Three?"), ("Anna", "Four.")]:
        bold_label_paragraph(document, speaker, words)
    parsed = parse("Anna.docx", docx_bytes(document))
    assert said(parsed) == [("Interviewer", "One?"), ("Anna", "Two."), ("Interviewer", "Three?"), ("Anna", "Four.")]
    assert parsed.turns == split_turns(parsed.text)


# --- OpenDocument -------------------------------------------------------------------------


def odt_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_odt_paragraphs_spaces_breaks_lists_and_bold_names():
    document = OpenDocumentText()
    bold = Style(name="Strong", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    document.text.addElement(H(outlinelevel=1, text="Interview E4"))
    question = P()
    question.addElement(Span(stylename=bold, text="Interviewer"))
    question.addText(" Why Armenia?")
    document.text.addElement(question)
    answer = P()
    answer.addElement(Span(stylename=bold, text="E4"))
    answer.addText(" Nobody wanted")
    answer.addElement(S(c=2))
    answer.addText("to fight.")
    note = Note(noteclass="footnote")
    body = NoteBody()
    body.addElement(P(text="A footnote that is not speech."))
    note.addElement(body)
    answer.addElement(note)
    answer.addElement(LineBreak())
    answer.addText("An assessment mission came.")
    document.text.addElement(answer)
    items = List()
    item = ListItem()
    item.addElement(P(text="E4: A list item."))
    items.addElement(item)
    document.text.addElement(items)
    parsed = parse("E4.odt", odt_bytes(document))
    assert parsed.format == "odt"
    assert said(parsed) == [
        ("", "Interview E4"),
        ("Interviewer", "Why Armenia?"),
        ("E4", "Nobody wanted  to fight.\nAn assessment mission came."),
        ("E4", "A list item."),
    ]


def test_odt_transcript_in_a_table():
    document = OpenDocumentText()
    table = Table(name="Transcript")
    for speaker, words in [("Interviewer", "Why?"), ("E7", "Because."), ("Interviewer", "Really?")]:
        row = TableRow()
        for value in (speaker, words):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    parsed = parse("E7.odt", odt_bytes(document))
    assert said(parsed) == [("Interviewer", "Why?"), ("E7", "Because."), ("Interviewer", "Really?")]


# --- RTF ----------------------------------------------------------------------------------


def test_rtf_windows_1251_escapes_unicode_and_line_breaks():
    rtf = (
        r"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0\fswiss\fcharset204 Arial;}}"
        r"\f0\pard {\b \'c8\'ed\'f2\'e5\'f0\'e2\'fc\'fe\'e5\'f0:} \'cf\'ee\'f7\'e5\'ec\'f3?\par"
        r"\pard E3: \u1058?\u1072?\u1082? \u1089?\u1082?\'e0\'e7\'e0\'eb\'e8.\line Second line.\par}"
    ).encode("ascii")
    parsed = parse("E3.rtf", rtf)
    assert parsed.format == "rtf" and parsed.encoding == "cp1251"
    assert said(parsed) == [("Интервьюер", "Почему?"), ("E3", "Так сказали.\nSecond line.")]


# --- HTML ---------------------------------------------------------------------------------


def test_html_visible_text_only_with_bold_names_and_breaks():
    page = """<!DOCTYPE html><html><head><title>Ignored title</title>
      <style>p { color: red }</style><script>alert("no")</script></head>
      <body><h1>Interview   E5</h1>
      <p><b>Interviewer</b> Why did they   come?</p>
      <p><strong>E5:</strong> Because of &lt;script&gt; and&nbsp;fear.<br>
         A second line.</p>
      <!-- a comment -->
      <noscript>Enable JS</noscript>
      <ul><li>E5: In a list.</li></ul></body></html>"""
    parsed = parse("E5.html", page.encode())
    assert parsed.format == "html"
    assert "alert" not in parsed.text and "color" not in parsed.text and "Ignored" not in parsed.text
    assert said(parsed) == [
        ("", "Interview E5"),
        ("Interviewer", "Why did they come?"),
        ("E5", "Because of <script> and\u00a0fear.\nA second line."),
        ("E5", "In a list."),
    ]


def test_html_in_windows_1251_declared_by_meta():
    page = (
        '<html><head><meta charset="windows-1251"></head>'
        "<body><p>Интервьюер: Почему?</p><p>Эксперт: Потому.</p></body></html>"
    )
    parsed = parse("E6.htm", page.encode("cp1251"))
    assert parsed.encoding == "cp1251"
    assert said(parsed) == [("Интервьюер", "Почему?"), ("Эксперт", "Потому.")]


def test_html_transcript_table():
    page = (
        "<table><tr><th>Speaker</th><th>Text</th></tr>"
        "<tr><td>Interviewer</td><td>Why?</td></tr><tr><td>E1</td><td>Because <i>Moscow</i>.</td></tr></table>"
    )
    parsed = parse("E1.html", page.encode())
    assert said(parsed) == [("Interviewer", "Why?"), ("E1", "Because Moscow.")]


# --- PDF ----------------------------------------------------------------------------------


def pdf_with_text(lines_per_page: list[list[str]]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for lines in lines_per_page:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_without_text() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 80, 40)
    return bytes(pdf.output())


def test_pdf_with_a_text_layer():
    data = pdf_with_text([
        ["Interviewer: Why did the CSTO decline in 2010?", "E2: It was called an internal matter. Caf\u00e9 talk."],
        ["Interviewer: And 2022?", "E2: Tokayev invoked Article 4."],
    ])
    parsed = parse("E2.pdf", data)
    assert parsed.format == "pdf"
    assert said(parsed) == [
        ("Interviewer", "Why did the CSTO decline in 2010?"),
        ("E2", "It was called an internal matter. Café talk."),
        ("Interviewer", "And 2022?"),
        ("E2", "Tokayev invoked Article 4."),
    ]


def test_pdf_with_some_pages_without_text_warns():
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 8, "E2: Only page one has words.")
    pdf.add_page()
    pdf.rect(20, 20, 80, 40)
    parsed = parse("mixed.pdf", bytes(pdf.output()))
    assert said(parsed) == [("E2", "Only page one has words.")]
    assert any("1 of 2 pages have no text" in w for w in parsed.warnings)


class QdaExport(FPDF):
    """A transcript as MAXQDA exports it: a running header, paragraph numbers in a column
    left of the text, justified paragraphs with space between them, "n/m" at the foot."""

    def header(self):
        self.set_font("Helvetica", size=9)
        self.set_xy(25, 8)
        self.cell(0, 5, "Interview E3 - MAXQDA 2022 export")
        self.set_y(22)

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, f"{self.page_no()}/{{nb}}", align="C")


def qda_pdf(paragraphs: list[str]) -> bytes:
    pdf = QdaExport()
    pdf.set_auto_page_break(True, margin=25)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for number, paragraph in enumerate(paragraphs, start=1):
        if pdf.get_y() > 250:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_xy(10, y)
        pdf.cell(8, 6, str(number), align="R")
        pdf.set_xy(25, y)
        pdf.multi_cell(160, 6, paragraph, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


ANSWER = ("It was called an internal matter of Kyrgyzstan, and Moscow said so before anyone else did; "
          "the others followed, since nobody wanted to send troops into the south in June. ")


def test_pdf_from_a_qda_tool_without_paragraph_numbers_page_markers_or_running_header():
    paragraphs = [f"Interviewer: Why did the alliance not come in 2010? ({i})" if i % 2 == 0 else
                  f"E3: {ANSWER * 3}({i})" for i in range(24)]
    parsed = parse("E3.pdf", qda_pdf(paragraphs))
    assert [(speaker, words.replace("\n", " ")) for speaker, words in said(parsed)] == [
        tuple(p.split(": ", 1)) for p in paragraphs]
    assert not re.search(r"(?m)^\s*\d+\s*$|\d+/\d+|MAXQDA", parsed.text)  # no numbers, markers or header
    assert "\t" not in parsed.text and "  " not in parsed.text
    assert "an internal matter of Kyrgyzstan" in parsed.text  # a phrase search finds it
    dropped = {d.what: d for d in parsed.dropped}
    assert dropped["paragraph numbers in the margin"].count == 24
    pages = dropped["page numbers"].count
    assert pages >= 3 and dropped["page numbers"].examples[:2] == ("1/" + str(pages), "2/" + str(pages))
    assert dropped["running headers and footers"].examples == ("Interview E3 - MAXQDA 2022 export",)


def test_pdf_paragraphs_wrap_into_one_paragraph_and_short_lines_stay_lines():
    parsed = parse("E4.pdf", qda_pdf([f"E4: {ANSWER * 4}", "Interviewer: And Armenia?\nE4: An assessment mission."]))
    # On a single page, the header is not known to repeat: it stays, before the first label.
    assert said(parsed) == [("", "Interview E3 - MAXQDA 2022 export"), ("E4", (ANSWER * 4).strip()),
                            ("Interviewer", "And Armenia?"), ("E4", "An assessment mission.")]
    assert [d.what for d in parsed.dropped] == ["paragraph numbers in the margin", "page numbers"]


# --- web pages ------------------------------------------------------------------------------

NAVIGATION = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(12))
SPEECH = "".join(
    f"<p>{'Interviewer: Why did nobody come?' if i % 2 == 0 else 'E5: ' + ANSWER * (1 + i % 3)}</p>"
    for i in range(12)
)
SAVED_PAGE = f"""<!DOCTYPE html><html><head><title>Interview with E5 | Ministry</title></head><body>
<header><div class="logo">Ministry of Foreign Affairs</div><nav><ul>{NAVIGATION}</ul></nav></header>
<main><article><h1>Interview with E5</h1>
<figure><img src="minister.jpg" alt=""><figcaption>The minister in Astana, 2022. Photo: press office</figcaption></figure>
{SPEECH}<p>Interviewer: Ok.</p><p>E5: Yes.</p></article></main>
<footer><p>Contact us</p><p>© 2024 Ministry of Foreign Affairs</p>
<ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms of use</a></li></ul></footer></body></html>"""


def test_html_saved_from_a_website_keeps_the_interview_only_and_says_what_was_dropped():
    parsed = parse("E5.html", SAVED_PAGE.encode())
    assert parsed.text.startswith("Interview with E5\n\nInterviewer: Why did nobody come?")
    assert parsed.text.endswith("Interviewer: Ok.\n\nE5: Yes.")  # short lines of the interview stay
    for boilerplate in ("Section 3", "Ministry of Foreign Affairs", "Photo: press office", "Privacy", "Contact us"):
        assert boilerplate not in parsed.text
    assert [s for s, _ in said(parsed)] == ["", *["Interviewer", "E5"] * 7]
    [dropped] = parsed.dropped
    assert dropped.restorable and dropped.count == 18
    assert "Section 0" in dropped.examples and "The minister in Astana, 2022. Photo: press office" in dropped.examples


def test_html_whole_page_keeps_the_navigation_and_footer():
    parsed = parse_upload("E5.html", SAVED_PAGE.encode(), max_bytes=MAX, whole_page=True)
    check_invariants(parsed)
    assert "Section 3" in parsed.text and "Privacy" in parsed.text and "Photo: press office" in parsed.text
    assert parsed.dropped == []


def test_speaker_choices_reach_the_split_of_every_text_format():
    document = docx.Document()
    for paragraph in ("Interviewer: Why?", "INT: And then?", "Kazakhstan: the exception.", "E1: Because."):
        document.add_paragraph(paragraph)
    choices = SpeakerChoices.of(reject=["E1"], take=["Kazakhstan"], merge={"INT": "Interviewer"})
    parsed = parse_upload("E1.docx", docx_bytes(document), max_bytes=MAX, speakers=choices)
    assert said(parsed) == [("Interviewer", "Why?"), ("Interviewer", "And then?"), ("Kazakhstan", "the exception."),
                            ("Kazakhstan", "E1: Because.")]
    assert {r.label: r.chosen for r in parsed.labels} == {"Interviewer": "", "INT": "merge", "Kazakhstan": "take",
                                                          "E1": "reject"}


def test_subtitle_speakers_can_be_merged():
    parsed = parse_upload("E3.vtt", VTT.encode(), max_bytes=MAX,
                          speakers=SpeakerChoices.of(merge={"Anna Petrova": "E3"}))
    assert [s for s, _ in said(parsed)] == ["Interviewer", "E3", "Interviewer"]


# --- subtitles ----------------------------------------------------------------------------

VTT = """WEBVTT
Kind: captions

NOTE exported by a transcription service

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>Why did the CSTO
not come in 2010?</v>

2
00:00:04.500 --> 00:00:07.250
<v.loud Anna Petrova>It was an internal matter &amp; Moscow said so.

3
00:00:07.250 --> 00:01:02.000
<v Anna Petrova>Only logistics were <i>offered</i>.

00:01:02.000 --> 00:01:05.000
<v Interviewer>Thank you.
"""


def test_vtt_voices_times_and_joined_cues():
    parsed = parse("E3.vtt", VTT.encode())
    assert parsed.format == "vtt"
    assert said(parsed) == [
        ("Interviewer", "Why did the CSTO not come in 2010?"),
        ("Anna Petrova", "It was an internal matter & Moscow said so. Only logistics were offered."),
        ("Interviewer", "Thank you."),
    ]
    assert [t.meta for t in parsed.turns] == [
        {"time": "00:00:01", "start": 1.0, "end": 4.0},
        {"time": "00:00:04", "start": 4.5, "end": 62.0},
        {"time": "00:01:02", "start": 62.0, "end": 65.0},
    ]
    assert parsed.text.split("\n\n")[1].startswith("[00:00:04] Anna Petrova: It was")


SRT = """1
00:00:01,000 --> 00:00:03,000
Interviewer: Why Armenia?

2
00:00:03,500 --> 00:00:06,000
Boris: Nobody wanted
to fight Azerbaijan.

3
00:00:06,000 --> 00:00:08,000
The mission came later.

4
01:02:03,000 --> 01:02:05,000
Interviewer: Thanks.
"""


def test_srt_speaker_prefixes_times_and_joined_cues():
    parsed = parse("E6.srt", SRT.replace("\n", "\r\n").encode("utf-8-sig"))
    assert parsed.format == "srt"
    assert said(parsed) == [
        ("Interviewer", "Why Armenia?"),
        ("Boris", "Nobody wanted to fight Azerbaijan. The mission came later."),
        ("Interviewer", "Thanks."),
    ]
    assert [t.meta["time"] for t in parsed.turns] == ["00:00:01", "00:00:03", "01:02:03"]
    assert parsed.turns[1].meta["end"] == 8.0


def test_srt_without_speakers_is_grouped_at_pauses():
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n"
        "2\n00:00:02,100 --> 00:00:03,000\nStill here.\n\n"
        "3\n00:00:09,000 --> 00:00:10,000\nAfter a pause.\n"
    )
    parsed = parse("plain.srt", srt.encode())
    assert said(parsed) == [("", "Hello. Still here."), ("", "After a pause.")]


# --- every format: the same promises ------------------------------------------------------


def test_every_extension_is_covered_here():
    assert set(EXTENSIONS) == {
        ".txt", ".text", ".md", ".markdown", ".docx", ".odt", ".rtf", ".html", ".htm", ".xhtml", ".pdf", ".vtt", ".srt",
    }


def test_pseudonymised_transcript_keeps_turns_on_the_words():
    parsed = parse("E3.vtt", VTT.encode())
    renamed, replacements = parsed.pseudonymised([("Anna Petrova", "E3")])
    check_invariants(renamed)
    assert [r.count for r in replacements] == [1]  # one label: its two cues are one turn
    assert said(renamed) == [
        ("Interviewer", "Why did the CSTO not come in 2010?"),
        ("E3", "It was an internal matter & Moscow said so. Only logistics were offered."),
        ("Interviewer", "Thank you."),
    ]
    assert renamed.turns[1].meta["start"] == 4.5
    assert "Anna" not in renamed.text and renamed.checksum != parsed.checksum


# --- bad input ----------------------------------------------------------------------------


def test_unknown_extension_is_rejected():
    error = rejected("E1.xyz", b"Interviewer: hi")
    assert "'.xyz' files cannot be imported" in error.reason and ".docx" in error.reason


def test_file_without_extension_is_rejected():
    assert "without an extension" in rejected("README", b"hello").reason


def test_legacy_doc_extension_is_rejected_with_advice():
    assert "save it as .docx" in rejected("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).reason


def test_file_over_the_size_limit_is_rejected():
    error = rejected("big.txt", b"E1: " + b"word " * 300, max_bytes=1000)
    assert "over the upload limit of 1000 bytes" in error.reason


def test_empty_file_is_rejected():
    assert "empty" in rejected("empty.txt", b"").reason


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("blank.txt", b"  \r\n\t\n"),
        ("blank.docx", None),
        ("blank.html", b"<html><head><script>var x = 1;</script></head><body>  </body></html>"),
        ("blank.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i> </i>\n"),
    ],
)
def test_file_without_text_is_rejected(filename, data):
    if data is None:
        data = docx_bytes(docx.Document())
    reason = rejected(filename, data).reason
    assert "no text" in reason or "no subtitle cues" in reason


def test_binary_file_with_txt_extension_is_rejected():
    assert "not a text file" in rejected("noise.txt", bytes(range(256)) * 8).reason
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40
    assert "PNG image" in rejected("photo.txt", png).reason
    assert "PDF document" in rejected("E2.txt", pdf_with_text([["E2: hi"]])).reason
    assert "ZIP archive" in rejected("E3.txt", docx_bytes(docx.Document())).reason


def test_docx_that_is_not_a_zip_is_rejected():
    assert "not a readable ZIP archive" in rejected("E1.docx", b"Interviewer: this is plain text").reason


def test_truncated_docx_is_rejected():
    data = docx_bytes(docx.Document())
    assert "not a readable ZIP archive" in rejected("cut.docx", data[: len(data) // 2]).reason


def test_zip_that_is_not_a_word_document_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "E1: hi")
    assert "not a Word document" in rejected("notes.docx", buffer.getvalue()).reason


def test_odt_renamed_to_docx_is_rejected():
    document = OpenDocumentText()
    document.text.addElement(P(text="E1: hi"))
    assert "not a Word document" in rejected("E1.docx", odt_bytes(document)).reason


def test_corrupt_word_xml_is_rejected():
    good = docx_bytes(docx.Document())
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "word/document.xml":
                body = body[: len(body) // 2]  # cut in the middle of an element
            target.writestr(item, body)
    assert "could not be read" in rejected("broken.docx", buffer.getvalue()).reason


def test_password_protected_docx_is_rejected():
    from msoffcrypto.format.ooxml import OOXMLFile

    document = docx.Document()
    document.add_paragraph("Interviewer: a secret")
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(docx_bytes(document))).encrypt("secret", encrypted)
    assert "password-protected" in rejected("secret.docx", encrypted.getvalue()).reason


def test_zip_bomb_by_compression_ratio_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(40):
                member.write(b"\0" * (1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200_000
    assert "zip bomb" in rejected("bomb.docx", data).reason


def test_zip_bomb_with_a_forged_size_is_rejected_before_reading():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 3 * 1024**3)  # declared uncompressed size: 3 GB
    assert "would unpack to 3072.0 MB" in rejected("forged.docx", bytes(data)).reason


def test_odt_that_is_a_spreadsheet_is_rejected():
    sheet = OpenDocumentSpreadsheet()
    assert "not an OpenDocument text" in rejected("numbers.odt", odt_bytes(sheet)).reason


def test_odt_not_a_zip_is_rejected():
    assert "not a readable ZIP archive" in rejected("E1.odt", b"plain words").reason


def test_rtf_without_rtf_header_is_rejected():
    assert "not an RTF document" in rejected("E1.rtf", b"Interviewer: plain text").reason


def test_pdf_without_text_layer_is_rejected():
    error = rejected("scan.pdf", pdf_without_text())
    assert "no text layer" in error.reason and "OCR" in error.reason


def test_not_a_pdf_is_rejected():
    assert "not a PDF document" in rejected("E1.pdf", b"Interviewer: plain").reason


def test_damaged_pdf_is_rejected():
    data = pdf_with_text([["E1: words"]])
    assert "could not be read" in rejected("cut.pdf", data[:200]).reason


def test_password_protected_pdf_is_rejected():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text([["E1: secret words"]]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "password-protected" in rejected("secret.pdf", buffer.getvalue()).reason


def test_pdf_with_only_an_owner_password_opens():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text([["E1: open words"]]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert said(parse("open.pdf", buffer.getvalue())) == [("E1", "open words")]


def test_vtt_without_header_is_rejected():
    assert "does not start with WEBVTT" in rejected("E1.vtt", SRT.encode()).reason


def test_srt_without_cues_is_rejected():
    assert "no subtitle cues" in rejected("E1.srt", b"Interviewer: no timings here").reason


def test_path_in_the_filename_is_not_part_of_the_name():
    with pytest.raises(ImportRejected) as info:
        parse_upload("C:\\Users\\anna\\E1.xyz", b"x", max_bytes=MAX)
    assert info.value.filename == "E1.xyz"
    assert info.value.reason.startswith("E1.xyz: ")


# --- whatever arrives, the answer is a transcript or a reason -----------------------------


@functools.cache
def real_files() -> dict[str, bytes]:
    document = docx.Document()
    bold_label_paragraph(document, "Interviewer", "Why?")
    document.add_paragraph("E1: Because.")
    odt = OpenDocumentText()
    odt.text.addElement(P(text="Interviewer: Why?"))
    return {
        ".docx": docx_bytes(document),
        ".odt": odt_bytes(odt),
        ".pdf": pdf_with_text([["Interviewer: Why?", "E1: Because."]]),
        ".rtf": rb"{\rtf1\ansi Interviewer: Why?\par E1: Because.\par}",
        ".html": b"<p><b>Interviewer</b> Why?</p><p>E1: Because.</p>",
        ".vtt": VTT.encode(),
        ".srt": SRT.encode(),
        ".txt": RUSSIAN.encode("cp1251"),
    }


def import_or_reject(filename: str, data: bytes) -> None:
    try:
        parsed = parse_upload(filename, data, max_bytes=MAX)
    except ImportRejected as error:
        assert error.reason.startswith(f"{filename}: ")
    else:
        check_invariants(parsed)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000), extension=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_are_imported_or_rejected(data, extension):
    import_or_reject(f"upload{extension}", data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    extension=st.sampled_from(sorted(real_files())),
    damage=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.none() | st.floats(0.05, 1),
)
def test_damaged_real_files_are_imported_or_rejected(extension, damage, cut):
    data = bytearray(real_files()[extension])
    for where, value in damage:
        data[int(where * len(data))] = value
    if cut is not None:
        data = data[: max(1, int(cut * len(data)))]
    import_or_reject(f"damaged{extension}", bytes(data))


def test_password_protected_odt_is_rejected():
    # LibreOffice marks an encrypted part in the manifest; odfpy cannot write one, so the
    # manifest is written as LibreOffice writes it.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"\x8f\x02encrypted bytes")
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
            '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
            "</manifest:file-entry></manifest:manifest>",
        )
    assert "password-protected" in rejected("secret.odt", buffer.getvalue()).reason


# --- hostile containers: refused with a reason, and read within bounded memory -------------------


def rewritten(data: bytes, replacements: dict[str, bytes]) -> bytes:
    """The same zip with some members' bytes replaced (or added)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, replacements.pop(item.filename, source.read(item.filename)))
        for name, body in replacements.items():
            target.writestr(name, body)
    return buffer.getvalue()


def with_doctype(xml: bytes, doctype: str, entity_use: bytes = b"") -> bytes:
    """`xml` with a DOCTYPE after its declaration and `entity_use` put into its first text."""
    declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:declaration_end] + doctype.encode() + xml[declaration_end:].replace(b"hello", b"hello " + entity_use, 1)


def plain_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("E1: hello")
    return docx_bytes(document)


def plain_odt() -> bytes:
    document = OpenDocumentText()
    document.text.addElement(P(text="E1: hello"))
    return odt_bytes(document)


EXTERNAL = '<!DOCTYPE w [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')


def test_docx_declaring_an_external_entity_is_refused_not_imported_without_it():
    with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
        body = archive.read("word/document.xml")
    hostile = rewritten(plain_docx(), {"word/document.xml": with_doctype(body, EXTERNAL, b"&secret;")})
    reason = rejected("hostile.docx", hostile).reason
    assert reason.startswith("hostile.docx: its part word/document.xml declares external entities, which Casecoder "
                             "does not read")


def test_docx_with_entity_expansion_is_refused_with_our_reason_not_the_parsers():
    with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
        styles = archive.read("word/styles.xml")
    reason = rejected("laughs.docx", rewritten(plain_docx(), {"word/styles.xml": with_doctype(styles, LAUGHS)})).reason
    assert "its part word/styles.xml declares entities, which Casecoder does not read" in reason
    assert "amplification" not in reason and "may be damaged" not in reason


def test_odt_declaring_an_external_entity_is_refused():
    with zipfile.ZipFile(io.BytesIO(plain_odt())) as archive:
        content = archive.read("content.xml")
    hostile = rewritten(plain_odt(), {"content.xml": with_doctype(content, EXTERNAL, b"&secret;")})
    reason = rejected("hostile.odt", hostile).reason
    assert "its part content.xml declares external entities, which Casecoder does not read" in reason


def test_a_dtd_in_an_encoding_expat_does_not_know_is_still_found():
    from apps.transcripts.importers.archive import DTD, xml_declarations

    # expat reads no multi-byte encoding but Shift JIS; lxml (python-docx) would read this DTD.
    xml = '<?xml version="1.0" encoding="shift_jis"?><!DOCTYPE w [<!ENTITY x "y">]><w>日本</w>'.encode("shift_jis")
    assert xml_declarations([xml]) == DTD
    assert xml_declarations(['<?xml version="1.0" encoding="shift_jis"?><w>日本</w>'.encode("shift_jis")]) is None


@pytest.mark.parametrize("name", ["../../evil.xml", "/etc/cron.d/evil", "word/../../evil", "C:\\evil.xml",
                                  "..\\evil.xml"])
def test_entries_named_outside_the_archive_are_refused(name):
    reason = rejected("traversal.docx", rewritten(plain_docx(), {name: b"x"})).reason
    assert f"a part named '{name}', a path outside the archive" in reason


def test_a_member_whose_header_understates_its_size_is_refused_within_bounded_memory(tmp_path):
    from tests.forged_zip import peak_memory_of, understated_zip

    with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    body = members.pop("word/document.xml")
    # 1.1 MB on disk, 1.1 GB of document.xml, headers claiming a few KB: the file of the issue.
    path = tmp_path / "lying.docx"
    path.write_bytes(understated_zip(members, "word/document.xml", body, megabytes=1100))
    assert path.stat().st_size < 1.3 * 1024 * 1024
    result = peak_memory_of(
        "import sys\nfrom apps.transcripts.importers import ImportRejected, parse_upload\n"
        "try:\n    parse_upload('lying.docx', open(sys.argv[1], 'rb').read(), max_bytes=5 * 1024 * 1024)\n"
        "    RESULT = {'reason': None}\nexcept ImportRejected as error:\n    RESULT = {'reason': error.reason}",
        path)
    assert result["reason"].startswith("lying.docx: its part word/document.xml unpacks to more than")
    assert "zip bomb" in result["reason"]
    assert result["peak_mb"] < 300


def test_the_hard_cap_holds_when_the_ratio_looks_harmless():
    from apps.transcripts.importers.archive import Archive, ArchiveRefused, Limits

    from tests.forged_zip import understated_zip

    # Spaces compress 1000:1; with a ratio limit that high, only the byte cap stops the read.
    data = understated_zip({}, "big.txt", b"start", megabytes=8)
    archive = Archive(data, limits=Limits(total_bytes=64 * 1024 * 1024, member_bytes=3 * 1024 * 1024,
                                          members=10, ratio=10_000, ratio_from=1024))
    read = []
    with pytest.raises(ArchiveRefused, match="unpacks to more than 3.0 MB, the most that is read"):
        for chunk in archive.stream("big.txt"):
            read.append(len(chunk))
    assert sum(read) <= 3 * 1024 * 1024


def test_a_member_longer_than_its_header_within_the_limits_is_refused_as_forged():
    with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    from tests.forged_zip import understated_zip

    body = members.pop("word/document.xml")
    reason = rejected("forged.docx", understated_zip(members, "word/document.xml", body, megabytes=1)).reason
    assert "damaged or forged: its part word/document.xml unpacks to" in reason


def test_a_damaged_word_file_gets_our_message_and_the_log_keeps_the_librarys(caplog):
    good = plain_docx()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        body = archive.read("word/document.xml")
    broken = rewritten(good, {"word/document.xml": body[: len(body) // 2]})
    assert rejected("broken.docx", broken).reason == "broken.docx: the Word file could not be read; it may be damaged"
    assert any("python-docx could not read broken.docx" in record.getMessage() for record in caplog.records)


def test_a_batch_with_hostile_files_stores_the_good_ones(project, owner):
    from apps.transcripts.models import Transcript
    from apps.transcripts.services import ImportFile, ImportStatus, transcript_import_files

    with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
        body = archive.read("word/document.xml")
    files = [
        ImportFile.from_bytes("E5.txt", b"Interviewer: Why?\n\nE5: Because."),
        ImportFile.from_bytes("E6.docx", rewritten(plain_docx(), {"word/document.xml": with_doctype(
            body, EXTERNAL, b"&secret;")})),
        ImportFile.from_bytes("E7.docx", rewritten(plain_docx(), {"../E7.xml": b"x"})),
    ]
    results = transcript_import_files(project=project, files=files, actor=owner)
    assert [r.status for r in results] == [ImportStatus.STORED, ImportStatus.REJECTED, ImportStatus.REJECTED]
    assert "external entities" in results[1].reason and "outside the archive" in results[2].reason
    assert list(Transcript.objects.filter(project=project).values_list("title", flat=True)) == ["E5"]
