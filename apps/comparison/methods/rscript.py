"""An R script and its CSV that rerun an analysis with the R package QCA (Dusa).

Plain Python, no Django: a reviewer who distrusts Casecoder runs `Rscript analysis.R`
next to the CSV and compares. The script calibrates the columns given anchors with
`calibrate(..., logistic = TRUE, idm = plogis(3))` (Ragin's log odds of ±3 at the
anchors), builds `truthTable(..., incl.cut = , pri.cut = , n.cut = )` and prints the
conservative, parsimonious (`include = "?"`, with `exclude =` for the remainders kept
out) and, given directional expectations, intermediate (`dir.exp = c(...)`) solutions.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence

from .calibration import Anchors
from .qca import QCAInputError, _code, check_inclusion_cuts

R_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def r_script(data: Mapping[str, Mapping[str, float]], *, conditions: Sequence[str], outcome: str,
             negate: bool = False, incl_cut1: float = 1.0, incl_cut0: float | None = None, pri_cut: float = 0.0,
             n_cut: int = 1, anchors: Mapping[str, Anchors] | None = None,
             expectations: Mapping[str, int | None] | None = None, exclude: Iterable[Sequence[int]] = (),
             csv_name: str = "casecoder-qca.csv") -> tuple[str, str]:
    """(the R script, the CSV it reads). `data` maps each case to its values by column:
    raw values for the columns in `anchors`, memberships (or 0/1) for the others."""
    conditions = tuple(conditions)
    anchors = dict(anchors or {})
    for name in (*conditions, outcome):
        if not R_NAME.match(name):
            raise QCAInputError(f"{name!r} is not a name R's QCA can use in formulas: use letters, digits and _, "
                                f"starting with a letter")
    for name in anchors:
        if name not in (*conditions, outcome):
            raise QCAInputError(f"anchors for {name!r}, which is neither a condition nor the outcome")
    incl_cut0 = check_inclusion_cuts(incl_cut1, incl_cut0)
    columns = [*conditions, outcome]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["", *columns])
    for case, values in data.items():
        writer.writerow([case, *(_number(values[name]) for name in columns)])

    cuts = _r(incl_cut1) if incl_cut0 == incl_cut1 else f"c({_r(incl_cut1)}, {_r(incl_cut0)})"
    lines = [
        "# Reproduces a Casecoder analysis with the R package QCA (Dusa); install it once with",
        '# install.packages("QCA"), then run: Rscript this-file.R (next to the CSV).',
        "library(QCA)",
        f'data <- read.csv("{csv_name}", row.names = 1, check.names = FALSE)',
    ]
    if anchors:
        lines.append("# Direct calibration (Ragin 2008): log odds +3 / -3 at the anchors, hence idm = plogis(3).")
    for name, column_anchors in anchors.items():
        lines.append(f'data${name} <- calibrate(data${name}, type = "fuzzy", thresholds = '
                     f"c(e = {_r(column_anchors.full)}, c = {_r(column_anchors.crossover)}, "
                     f"i = {_r(column_anchors.non)}), logistic = TRUE, idm = plogis(3))")
    explained = f"~{outcome}" if negate else outcome
    lines += [
        f'tt <- truthTable(data, outcome = "{explained}", conditions = c({", ".join(map(_quoted, conditions))}), '
        f"incl.cut = {cuts}, pri.cut = {_r(pri_cut)}, n.cut = {n_cut}, show.cases = TRUE)",
        "print(tt)",
        'cat("\\nConservative solution\\n")',
        "print(minimize(tt, details = TRUE, show.cases = TRUE))",
    ]
    excluded = sorted(_code(values) + 1 for values in exclude)
    exclusion = f", exclude = c({', '.join(map(str, excluded))})" if excluded else ""
    lines += [
        'cat("\\nParsimonious solution\\n")',
        f'print(minimize(tt, include = "?"{exclusion}, details = TRUE, show.cases = TRUE))',
    ]
    directions = [f"{'' if expectations[name] else '~'}{name}" for name in conditions
                  if (expectations or {}).get(name) is not None]
    if directions:
        lines += [
            'cat("\\nIntermediate solution\\n")',
            f'print(minimize(tt, include = "?"{exclusion}, dir.exp = c({", ".join(directions)}), '
            f"details = TRUE, show.cases = TRUE))",
        ]
    return "\n".join(lines) + "\n", table.getvalue()


def _number(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise QCAInputError(f"values must be numbers, got {value!r}")
    return repr(value) if isinstance(value, float) else str(value)


def _r(value: float) -> str:
    """A number as R reads it back exactly."""
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def _quoted(name: str) -> str:
    return f'"{name}"'
