"""`python manage.py import_transcripts PATH... --project SLUG`: the same import as the
upload page, from the command line, with a progress bar, a summary of which files went
in, and a non-zero exit status when any did not."""
from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.transcripts.models import Transcript
from tests.transcripts.test_import_views import PETROV, word_interview
from tests.transcripts.test_importers import RUSSIAN, VTT


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_transcripts", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*args, **options) -> tuple[CommandError, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_transcripts", *map(str, args), stdout=out, stderr=err, **options)
    return error.value, out.getvalue(), err.getvalue()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "E3.docx").write_bytes(word_interview("E3"))
    (tmp_path / "E4.txt").write_bytes(RUSSIAN.encode("cp1251"))
    (tmp_path / "call.vtt").write_text(VTT, encoding="utf-8")
    (tmp_path / "notes.odt.bak").write_bytes(b"ignored: not a transcript file type")
    return tmp_path


def test_files_are_imported_with_a_summary(project, owner, folder):
    out, err = run(folder / "E3.docx", folder / "E4.txt", project=project.slug)
    out = plain(out)
    assert "Imported 2 of 2 files" in out
    assert "E3.docx" in out and "E4.txt" in out and "Интервьюер (2), Эксперт (2)" in out
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["E3", "E4"]
    assert set(Transcript.objects.values_list("created_by__username", flat=True)) == {owner.username}


def test_a_directory_imports_its_transcript_files(project, folder):
    out, _ = run(folder, project=project.slug)
    assert "Imported 3 of 3 files" in plain(out)
    assert Transcript.objects.count() == 3


def test_the_progress_bar_follows_reading_and_storing(project, folder):
    _, err = run(folder / "E3.docx", folder / "E4.txt", folder / "call.vtt", project=project.slug, progress=True)
    err = plain(err)
    assert "Reading" in err and "3/3" in err
    assert "Storing" in err


def test_a_bad_file_is_named_with_its_reason_the_others_go_in_and_the_exit_status_is_1(project, folder):
    (folder / "broken.docx").write_bytes(b"not a zip")
    error, out, _ = run_failing(folder / "E3.docx", folder / "broken.docx", folder / "missing.txt",
                                folder / "E4.txt", project=project.slug)
    out = plain(out)
    assert "Imported 2 of 4 files" in out
    assert "Not imported:" in out
    assert "broken.docx: this is not a valid Word (.docx) file" in out
    assert f"{folder / 'missing.txt'}: no such file" in out
    assert str(error) == "2 of 4 files were not imported." and error.returncode == 1
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["E3", "E4"]


def test_the_exit_status_reaches_the_shell(project, folder, capsys):
    from django.core.management import load_command_class

    command = load_command_class("apps.transcripts", "import_transcripts")
    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "import_transcripts", str(folder / "nope.txt"), "--project",
                               project.slug])
    assert exit_.value.code == 1
    assert "1 of 1 files were not imported." in capsys.readouterr().err


def test_duplicates_are_refused_unless_allowed(project, folder):
    run(folder / "E3.docx", project=project.slug)
    (folder / "copy").mkdir()
    (folder / "copy" / "E3.docx").write_bytes((folder / "E3.docx").read_bytes())
    error, out, _ = run_failing(folder / "copy" / "E3.docx", project=project.slug)
    assert "the same text is already in this project as 'E3'" in plain(out)
    assert "--allow-duplicates" in plain(out)
    assert Transcript.objects.count() == 1
    out, _ = run(folder / "copy" / "E3.docx", project=project.slug, allow_duplicates=True)
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["E3", "E3 (2)"]


def test_the_expert_and_a_pseudonyms_file(project, tmp_path):
    (tmp_path / "Ivan Petrov.txt").write_text(PETROV, encoding="utf-8")
    (tmp_path / "names.txt").write_text("# real name -> pseudonym\nIvan Petrov -> E3\nAnna Smirnova -> E9\n",
                                        encoding="utf-8")
    run(tmp_path / "Ivan Petrov.txt", project=project.slug, expert="E12", pseudonyms=tmp_path / "names.txt")
    transcript = Transcript.objects.get()
    assert transcript.title == "E3" and transcript.expert.pseudonym == "E12"
    assert "Ivan Petrov" not in transcript.text
    assert transcript.pseudonym_map[0] == {"name": "Ivan Petrov", "pseudonym": "E3", "count": 3}


def test_a_bad_pseudonyms_file_stops_before_anything_is_imported(project, folder, tmp_path):
    (tmp_path / "names.txt").write_text("Ivan Petrov E3\n", encoding="utf-8")
    error, _, _ = run_failing(folder / "E3.docx", project=project.slug, pseudonyms=tmp_path / "names.txt")
    assert "Line 1 ('Ivan Petrov E3')" in str(error)
    assert not Transcript.objects.exists()


def test_an_unknown_project_or_a_reviewer_is_refused(project, reviewer, folder):
    error, _, _ = run_failing(folder / "E3.docx", project="no-such-project")
    assert "No project with the slug 'no-such-project'" in str(error)
    error, _, _ = run_failing(folder / "E3.docx", project=project.slug, user=reviewer.username)
    assert "is not an owner or coder" in str(error)
    assert not Transcript.objects.exists()


def test_label_corrections_and_the_whole_page_as_options(project, tmp_path):
    from tests.transcripts.test_import_views import SPEECHES
    from tests.transcripts.test_importers import SAVED_PAGE

    (tmp_path / "E8.txt").write_text(SPEECHES, encoding="utf-8")
    (tmp_path / "E5.html").write_text(SAVED_PAGE, encoding="utf-8")
    out, _ = run(tmp_path / "E8.txt", tmp_path / "E5.html", "--reject-label", "Respondent", "--take-label", "Germany",
                 "--merge-label", "President of Russia Vladimir Putin -> Vladimir Putin", "--whole-page",
                 project=project.slug)
    speeches = Transcript.objects.get(title="E8")
    assert list(speeches.turns.values_list("speaker", flat=True)) == [
        "Moderator", "Vladimir Putin", "Vladimir Putin", "Moderator", "Vladimir Putin", "Germany", "Germany",
        "Moderator"]
    assert "Moderator (3)" in plain(out) and "Germany (1)" in plain(out)  # turns: changes of speaker
    assert "Section 3" in Transcript.objects.get(title="E5").text


def test_a_merge_option_without_an_arrow_is_refused(project, folder):
    error, _, _ = run_failing(folder / "E3.docx", "--merge-label", "Putin", project=project.slug)
    assert "write the label, '->' and the speaker" in str(error)
    assert not Transcript.objects.exists()
