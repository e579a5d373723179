"""python manage.py export_qdpx --project SLUG OUT"""
from pathlib import Path

from django.core.management.base import BaseCommand

from apps.exports.refiqda.writer import write_qdpx

from ._progress import progress_bar, project_or_error


class Command(BaseCommand):
    help = "Export a whole project as a REFI-QDA project file (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder ..."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .qdpx file to write")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--omit-suggested", action="store_true",
                            help="leave out codings accepted from the suggestion engine (default: in, with a note)")

    def handle(self, *args, **options):
        project = project_or_error(options["project"])
        out = Path(options["out"])
        with progress_bar() as progress, out.open("wb") as stream:
            stats = write_qdpx(project, stream, progress=lambda n, total: progress("Writing sources", n, total),
                               include_suggested=not options["omit_suggested"])
        self.stdout.write(f"Wrote {stats['sources']} sources to {out}.")
