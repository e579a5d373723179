"""python manage.py export_codebook --project SLUG --format docx|md|csv|qdc OUT"""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.exports.codebook import CODEBOOK_FORMATS, render_codebook
from apps.exports.selectors import codebook_entries

from ._progress import command_error, project_or_error


class Command(BaseCommand):
    help = "Export the codebook of a project (DOCX, Markdown, CSV or REFI-QDA .qdc)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the file to write")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--format", choices=list(CODEBOOK_FORMATS), default=None,
                            help="the format (default: from the file name)")

    def handle(self, *args, **options):
        out = Path(options["out"])
        fmt = options["format"] or out.suffix.lstrip(".").lower()
        if fmt not in CODEBOOK_FORMATS:
            raise CommandError(f"Choose a format with --format ({', '.join(CODEBOOK_FORMATS)}).")
        project = project_or_error(options["project"])
        entries = codebook_entries(project=project)
        try:
            data = render_codebook(project, entries, fmt)
        except ValidationError as error:
            raise command_error(error)
        out.write_bytes(data)
        self.stdout.write(f"Wrote {len(entries)} codes to {out}.")
