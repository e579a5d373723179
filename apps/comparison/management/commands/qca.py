"""python manage.py qca CSV --outcome NAME [--conditions A,B,C] [--parsimonious] [--negate]"""
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.comparison.methods import qca


class Command(BaseCommand):
    help = ("Crisp-set QCA of a 0/1 table (header row, case names in the first column, as R's QCA writes "
            "them): print the truth table and every minimal solution with consistency and coverage.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("csv", help="The CSV file, or - to read standard input.")
        parser.add_argument("--outcome", required=True, help="The outcome column.")
        parser.add_argument("--conditions", help="Comma-separated condition columns; default: all but the outcome.")
        parser.add_argument("--parsimonious", action="store_true",
                            help="Use the remainders as don't-cares (the default is the conservative solution).")
        parser.add_argument("--negate", action="store_true", help="Explain the absence of the outcome.")

    def handle(self, *args, **options):
        text = _read(options["csv"])
        try:
            rows, columns = qca.read_csv(text)
            if options["conditions"]:
                conditions = [name.strip() for name in options["conditions"].split(",") if name.strip()]
            else:
                conditions = [name for name in columns if name != options["outcome"]]
            tt = qca.truth_table(rows, conditions=conditions, outcome=options["outcome"], negate=options["negate"])
            solution = qca.minimise(tt, include_remainders=options["parsimonious"])
        except qca.QCAInputError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(qca.format_truth_table(tt))
        self.stdout.write("")
        self.stdout.write(qca.format_solution(solution))


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"cannot read {source}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{source} is not UTF-8 text (byte {error.start})") from error
