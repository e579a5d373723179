"""The R script export: its text, and, where R with the QCA package is installed, that R
finds the same solutions. No Django here."""
import csv
import io
import re
import shutil
import subprocess

import pytest

from apps.comparison.methods.calibration import Anchors
from apps.comparison.methods.fuzzy import truth_table
from apps.comparison.methods.qca import QCAInputError, read_csv
from apps.comparison.methods.rscript import r_script
from apps.comparison.methods.solutions import conservative, intermediate, parsimonious

from .test_qca import LIPSET_CONDITIONS, LIPSET_CSV


@pytest.fixture
def lipset():
    rows, _ = read_csv(LIPSET_CSV)
    return rows


def test_the_script_calls_truthtable_and_minimize_with_every_choice(lipset):
    script, table = r_script(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV", negate=True, incl_cut1=0.9,
                             incl_cut0=0.5, pri_cut=0.7, n_cut=2, expectations={"DEV": 1, "URB": 0, "LIT": None},
                             exclude=[(1, 0, 0, 0, 1), (1, 0, 0, 1, 1)])
    assert "library(QCA)" in script
    assert 'data <- read.csv("casecoder-qca.csv", row.names = 1, check.names = FALSE)' in script
    assert ('tt <- truthTable(data, outcome = "~SURV", conditions = c("DEV", "URB", "LIT", "IND", "STB"), '
            "incl.cut = c(0.9, 0.5), pri.cut = 0.7, n.cut = 2, show.cases = TRUE)") in script
    assert 'print(minimize(tt, details = TRUE, show.cases = TRUE))' in script
    assert 'print(minimize(tt, include = "?", exclude = c(18, 20), details = TRUE, show.cases = TRUE))' in script
    assert 'dir.exp = c(DEV, ~URB)' in script
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["", "DEV", "URB", "LIT", "IND", "STB", "SURV"]
    assert rows[1] == ["AU", "1", "0", "1", "1", "0", "0"]
    assert len(rows) == 19


def test_the_script_calibrates_with_ragins_log_odds():
    data = {"CH": {"GNP": 40110, "Y": 1}, "HU": {"GNP": 4670, "Y": 0.25}}
    script, table = r_script(data, conditions=["GNP"], outcome="Y",
                             anchors={"GNP": Anchors(full=20000, crossover=5000, non=2500)})
    assert ('data$GNP <- calibrate(data$GNP, type = "fuzzy", thresholds = c(e = 20000, c = 5000, i = 2500), '
            "logistic = TRUE, idm = plogis(3))") in script
    assert "incl.cut = 1," in script and "dir.exp" not in script and "exclude" not in script
    assert table.splitlines()[1:] == ["CH,40110,1", "HU,4670,0.25"]


def test_names_r_cannot_use_in_formulas_are_refused(lipset):
    with pytest.raises(QCAInputError, match="'Russian interest' is not a name R's QCA can use"):
        r_script({"x": {"Russian interest": 1, "Y": 1}}, conditions=["Russian interest"], outcome="Y")
    with pytest.raises(QCAInputError, match="anchors for 'GDP'"):
        r_script(lipset, conditions=["DEV"], outcome="SURV", anchors={"GDP": Anchors(full=2, crossover=1, non=0)})


def _r_with_qca() -> str | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    found = subprocess.run([rscript, "-e", "library(QCA)"], capture_output=True, timeout=120)
    return rscript if found.returncode == 0 else None


def test_r_finds_the_same_solutions(tmp_path, lipset):
    """Runs the exported script in R when R and its QCA package are installed (CI does
    not need them): R's M1, M2, ... lines must be ours."""
    rscript = _r_with_qca()
    if rscript is None:
        pytest.skip("Rscript with the R package QCA is not installed here, so the exported script is not run")
    expectations = dict.fromkeys(LIPSET_CONDITIONS, 1)
    script, table = r_script(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV", expectations=expectations)
    (tmp_path / "analysis.R").write_text(script, encoding="utf-8")
    (tmp_path / "casecoder-qca.csv").write_text(table, encoding="utf-8")
    run = subprocess.run([rscript, "analysis.R"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    printed = re.findall(r"^M\d+: (.+?) -> SURV$", run.stdout, flags=re.MULTILINE)
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    ours = [str(model) for solution in (conservative(tt), parsimonious(tt),
                                        *intermediate(tt, expectations=expectations)) for model in solution.models]
    assert printed == ours
