"""The comparison: `python manage.py qca` on 10 conditions and 200 cases (target under 2 s,
parsimonious, so every remainder is a don't-care), and the MSSD page, the QCA page and the
DOCX export of the demo study, the set-analysis page (necessity, truth table, solutions,
robustness runs and the XY plot), at 1x and with the demo's cases multiplied (10x: 40 cases)."""
from __future__ import annotations

import io
import random
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

from django.core.management import call_command, get_commands
from django.db import connection
from django.test import Client

from . import timed

CONDITIONS = 10
CASES = 200


def qca_csv(path: Path, seed: int = 6) -> None:
    """200 cases drawn at random on 10 conditions, the outcome A*B + ~C*D: about 180
    observed configurations and some 840 remainders. (With a few flipped outcomes the
    parsimonious chart can hold 450 prime implicants for 70 configurations, which the
    minimiser declines to search exhaustively; see apps/comparison/methods/qca.py.)"""
    rng = random.Random(seed)
    names = [chr(ord("A") + i) for i in range(CONDITIONS)]
    lines = ["," + ",".join(names) + ",OUT"]
    for n in range(CASES):
        values = [rng.randint(0, 1) for _ in names]
        out = int((values[0] and values[1]) or (not values[2] and values[3]))
        lines.append(f"case{n + 1}," + ",".join(map(str, values)) + f",{out}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(report) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qca-10x200.csv"
        qca_csv(path)
        if "qca" in get_commands():
            def command(*flags):
                with redirect_stdout(io.StringIO()):
                    call_command("qca", str(path), "--outcome", "OUT", *flags)

            report.add("qca command, 10 conditions x 200 cases, conservative", "1x",
                       samples_ms=timed(command, 5))
            report.add("qca command, 10 conditions x 200 cases, parsimonious", "1x",
                       samples_ms=timed(lambda: command("--parsimonious"), 5))
            report.add("qca command, 10 x 200, parsimonious, negated", "1x",
                       samples_ms=timed(lambda: command("--parsimonious", "--negate"), 5))
        else:
            from apps.comparison.methods import qca

            print("  (no qca command yet: timing the engine it would call)")

            def engine():
                rows, columns = qca.read_csv(path.read_text(encoding="utf-8"))
                tt = qca.truth_table(rows, conditions=columns[:-1], outcome="OUT")
                qca.minimise(tt, include_remainders=True)

            report.add("qca engine, 10 conditions x 200 cases, parsimonious", "1x", samples_ms=timed(engine, 5))

    from apps.demo.loader import load_demo

    project, _created = load_demo()
    client = Client()
    client.force_login(project.created_by)
    base = f"/projects/{project.slug}/comparison"
    for scale in report.scales:
        factor = {"1x": 1, "10x": 10}.get(scale)
        if factor is None:
            print(f"  (comparison: scale {scale} is not measured; {4 * 100} cases are beyond a most-similar-"
                  "systems comparison, which the demo's page is built for)", flush=True)
            continue
        _grow(project, factor)
        for operation, url in (("MSSD page (demo)", f"{base}/mssd/"), ("QCA page (demo)", f"{base}/qca/"),
                               ("set analysis page (demo)", f"{base}/sets/"),
                               ("set analysis page with expectations (demo)",
                                f"{base}/sets/?exp_RUSINT=1&exp_SHARED=1&keep_contradictory=1"),
                               ("MSSD export DOCX (demo)", f"{base}/mssd.docx"),
                               ("judgment grid API (demo)", f"/api/projects/{project.slug}/comparison/judgments")):
            assert client.get(url).status_code == 200, url
            report.add(operation, scale, samples_ms=timed(lambda: client.get(url), 5),
                       queries=_queries(lambda: client.get(url)))


def _queries(fn) -> int:
    """Queries run by `fn()` (counted by a wrapper: the test client resets the query log
    at each request)."""
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        fn()
    return count


def _grow(project, factor: int) -> None:
    """Copies of the demo's cases, linked to the same case sections and passages and with
    the same judgments, until there are 4 x `factor` cases."""
    from apps.comparison.models import Judgment
    from apps.comparison.services import judgment_set
    from apps.cases.models import Case
    from apps.cases.services import case_create
    from apps.coding.models import Segment

    originals = list(Case.objects.filter(project=project, name__in=[
        "Kyrgyzstan 2010", "Tajikistan 2021", "Kazakhstan 2022", "Armenia 2022"]))
    have = Case.objects.filter(project=project).count()
    copy = have // len(originals)
    while Case.objects.filter(project=project).count() < len(originals) * factor:
        for case in originals:
            twin = case_create(project=project, name=f"{case.name} (copy {copy})", actor=project.created_by)
            for value in case.values.all():
                twin.values.create(attribute=value.attribute, value=value.value)
            for segment in Segment.objects.filter(project=project, cases=case):
                segment.cases.add(twin)  # the same sections and linked passages count for the copy
            for judgment in Judgment.objects.filter(case=case, judge=project.created_by).select_related("factor"):
                judgment_set(factor=judgment.factor, case=twin, judge=project.created_by, value=judgment.value,
                             rationale=judgment.rationale, evidence=list(judgment.evidence.all()))
        copy += 1
