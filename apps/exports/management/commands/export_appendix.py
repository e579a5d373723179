"""python manage.py export_appendix --project SLUG --format docx|md|tex|csv|xlsx OUT"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.exports.appendix import render_appendix
from apps.exports.selectors import GROUPINGS, AppendixSelection, appendix_data

from ._progress import progress_bar, project_or_error

FORMATS = ["docx", "md", "tex", "csv", "xlsx"]


def ids(value: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise CommandError(f"{value!r} is not a comma-separated list of ids.")


class Command(BaseCommand):
    help = ("Export coded excerpts for a thesis appendix (all codes, cases and experts, and the primary coding, "
            "unless narrowed).")

    def add_arguments(self, parser):
        parser.add_argument("out", help="the file to write")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="the format (default: from the file name)")
        parser.add_argument("--codes", default="", help="code ids, comma-separated (with their sub-codes)")
        parser.add_argument("--cases", default="", help="case ids, comma-separated")
        parser.add_argument("--experts", default="", help="expert ids, comma-separated")
        parser.add_argument("--coders", default="", help="user ids of coders, comma-separated")
        parser.add_argument("--all-coders", action="store_true",
                            help="every coder's codings (default: the primary coder's and the settled ones)")
        parser.add_argument("--grouping", choices=list(GROUPINGS), default="code-case-expert")
        parser.add_argument("--no-memos", action="store_true", help="leave the memos out")
        parser.add_argument("--real-names", action="store_true", help="list the experts' real names too")
        parser.add_argument("--times", action="store_true",
                            help="each excerpt's time in its transcript's recording, where it has one with timings")
        parser.add_argument("--table", action="store_true", help="DOCX: excerpts in tables")
        parser.add_argument("--omit-suggested", action="store_true",
                            help="leave out codings accepted from the suggestion engine (default: included, marked)")

    def handle(self, *args, **options):
        out = Path(options["out"])
        fmt = options["format"] or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(f"Choose a format with --format ({', '.join(FORMATS)}).")
        project = project_or_error(options["project"])
        selection = AppendixSelection(
            code_ids=ids(options["codes"]), case_ids=ids(options["cases"]), expert_ids=ids(options["experts"]),
            coder_ids=ids(options["coders"]), all_coders=options["all_coders"], grouping=options["grouping"],
            include_memos=not options["no_memos"],
            real_names=options["real_names"], include_times=options["times"],
            include_suggested=not options["omit_suggested"])
        with progress_bar() as progress:
            progress("Reading excerpts", 0, 2)
            appendix = appendix_data(project=project, selection=selection)
            progress("Reading excerpts", 1, 2)
            data = render_appendix(appendix, fmt, table_layout=options["table"])
            progress("Reading excerpts", 2, 2)
        out.write_bytes(data)
        self.stdout.write(f"Wrote {len(appendix.excerpts)} excerpts from {appendix.segment_count} segments to {out}.")
