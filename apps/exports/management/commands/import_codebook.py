"""python manage.py import_codebook FILE --project SLUG [--user NAME]"""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.exports.codebook import read_codebook
from apps.exports.services import codebook_import

from ._progress import command_error, project_or_error


class Command(BaseCommand):
    help = ("Merge a codebook (.qdc from NVivo, MAXQDA, QualCoder ..., or the CSV of Casecoder, Taguette or a MAXQDA "
            "code list) into a project, by name and tree.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--user", default="", help="who the changes are recorded for (default: the owner)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        project = project_or_error(options["project"])
        actor = project.created_by
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            plans, report = read_codebook(path.read_bytes(), path.name)
            codebook_import(project=project, plans=plans, report=report, actor=actor)
        except ValidationError as error:
            raise command_error(error)
        for line in report.lines():
            self.stdout.write(line)
