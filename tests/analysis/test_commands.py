"""`manage.py matrix` and `manage.py frequencies`: the same tables as CSV, for scripts."""
import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.analysis.small_study import study, words  # noqa: F401  (study is a fixture)

pytestmark = pytest.mark.django_db


def run(*args) -> list[list[str]]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def team_matrix(study, *args) -> list[list[str]]:
    """The matrix of the small study, whose owner and coder code as one team: every coder counts."""
    return run("matrix", "--project", study.project.slug, "--all-coders", *args)


def test_matrix_prints_the_code_path_and_one_column_per_case(study):
    assert team_matrix(study) == [
        ["Code", "Kazakhstan", "Armenia", "Kyrgyzstan"],
        ["Threat", "2", "1", "1"],
        ["Threat > Terror", "1", "1", "0"],
        ["Russia", "3", "0", "1"],
    ]


def test_matrix_measures_and_columns(study):
    assert team_matrix(study, "--measure", "segments")[1] == ["Threat", "3", "1", "1"]
    by_words = team_matrix(study, "--measure", "words")
    assert by_words[3] == ["Russia", str(words(study.c, study.f, study.i)), "0", str(words(study.i))]
    assert team_matrix(study, "--columns", "experts")[0] == ["Code", "E1", "E2", "E3"]
    by_value = team_matrix(study, "--columns", "threat type", "--measure", "segments")
    assert by_value[:2] == [["Code", "internal", "external"], ["Threat", "4", "1"]]
    assert team_matrix(study, "--columns", str(study.affiliation.pk))[0] == ["Code", "academia", "(not set)"]


def test_matrix_branch_and_sub_codes(study):
    rows = team_matrix(study, "--branch", "Threat", "--subcodes", "--measure", "segments")
    assert rows == [["Code", "Kazakhstan", "Armenia", "Kyrgyzstan"], ["Threat", "4", "2", "1"],
                    ["Threat > Terror", "1", "1", "0"]]


def test_matrix_says_what_is_wrong(study):
    with pytest.raises(CommandError, match="No project"):
        run("matrix", "--project", "nope")
    with pytest.raises(CommandError, match="threat type"):
        run("matrix", "--project", study.project.slug, "--columns", "weather")
    with pytest.raises(CommandError, match="No code with the path"):
        run("matrix", "--project", study.project.slug, "--branch", "Weather")
    with pytest.raises(CommandError):
        run("matrix", "--project", study.project.slug, "--measure", "minutes")


def test_frequencies_prints_every_code(study):
    rows = run("frequencies", "--project", study.project.slug)
    assert rows[0] == ["Code", "Depth", "Segments", "Distinct experts", "Words coded", "Segments with sub-codes",
                       "Distinct experts with sub-codes", "Words coded with sub-codes"]
    assert [r[:3] + [r[5]] for r in rows[1:]] == [["Threat", "0", "5", "8"], ["Threat > Terror", "1", "3", "3"],
                                                   ["Russia", "0", "4", "4"]]
    with pytest.raises(CommandError, match="No project"):
        run("frequencies", "--project", "nope")
