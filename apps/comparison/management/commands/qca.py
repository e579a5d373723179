"""python manage.py qca CSV --outcome NAME [--conditions A,B,C] [--negate] [--fuzzy]
[--incl-cut 1 | --incl-cut 1,0.5] [--pri-cut P] [--n-cut N] [--parsimonious]
[--dir-exp A=1,B=0,C=-] [--necessity]"""
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.comparison.methods import fuzzy, necessity, qca, solutions


class Command(BaseCommand):
    help = ("QCA of a table of 0/1 values, or of fuzzy memberships with --fuzzy (header row, case names in the "
            "first column, as R's QCA writes them): print the truth table and every minimal solution with its "
            "parameters of fit, and on request the necessity tests.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("csv", help="The CSV file, or - to read standard input.")
        parser.add_argument("--outcome", required=True, help="The outcome column.")
        parser.add_argument("--conditions", help="Comma-separated condition columns; default: all but the outcome.")
        parser.add_argument("--negate", action="store_true", help="Explain the absence of the outcome.")
        parser.add_argument("--fuzzy", action="store_true",
                            help="The values are memberships from 0 to 1 (the default is crisp 0/1).")
        parser.add_argument("--incl-cut", default="1",
                            help="Inclusion cut-off for 1, or two (for 1, then for 0) as in R's incl.cut = c(1, .5): "
                                 "1,0.5. Default 1.")
        parser.add_argument("--pri-cut", type=float, default=0.0, help="PRI cut-off for 1 (default 0).")
        parser.add_argument("--n-cut", type=int, default=1,
                            help="Rows with fewer cases are remainders (default 1).")
        parser.add_argument("--parsimonious", action="store_true",
                            help="The parsimonious solution (remainders as don't-cares) instead of the conservative.")
        parser.add_argument("--dir-exp",
                            help="The intermediate solution, with directional expectations: A=1,B=0,C=- "
                                 "(present, absent, none; conditions left out have none).")
        parser.add_argument("--necessity", action="store_true",
                            help="Test each condition and its negation as necessary for the outcome first.")

    def handle(self, *args, **options):
        text = _read(options["csv"])
        try:
            rows, columns = qca.read_csv(text, fuzzy=options["fuzzy"])
            if options["conditions"]:
                conditions = [name.strip() for name in options["conditions"].split(",") if name.strip()]
            else:
                conditions = [name for name in columns if name != options["outcome"]]
            incl_cut1, incl_cut0 = _cuts(options["incl_cut"])
            tt = fuzzy.truth_table(rows, conditions=conditions, outcome=options["outcome"], negate=options["negate"],
                                   incl_cut1=incl_cut1, incl_cut0=incl_cut0, pri_cut=options["pri_cut"],
                                   n_cut=options["n_cut"])
            found = []
            if options["dir_exp"]:
                expectations = solutions.parse_expectations(options["dir_exp"], conditions)
                found += solutions.intermediate(tt, expectations=expectations)
            if options["parsimonious"]:
                found.insert(0, solutions.parsimonious(tt))
            if not found:
                found.append(solutions.conservative(tt))
            tests = (necessity.necessity(rows, conditions=conditions, outcome=options["outcome"],
                                         negate=options["negate"]) if options["necessity"] else None)
        except qca.QCAInputError as error:
            raise CommandError(str(error)) from error
        if tests is not None:
            self.stdout.write(necessity.format_necessity(tests, outcome_label=tt.label))
            self.stdout.write("")
        self.stdout.write(fuzzy.format_truth_table(tt))
        for solution in found:
            self.stdout.write("")
            self.stdout.write(solutions.format_solution(solution))


def _cuts(text: str) -> tuple[float, float | None]:
    """"0.8" -> (0.8, None); "1,0.5" -> (1.0, 0.5)."""
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise CommandError(f"--incl-cut {text!r}: give one number, or two separated by a comma (1,0.5)") from None
    if len(numbers) > 2:
        raise CommandError(f"--incl-cut {text!r}: at most two cut-offs, for 1 and for 0")
    return numbers[0], numbers[1] if len(numbers) == 2 else None


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"cannot read {source}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{source} is not UTF-8 text (byte {error.start})") from error
