"""python manage.py import_qdpx FILE [--project-name NAME] [--user NAME] [--skip-unplaced]: prints the new slug.

When some selections of the file cannot be placed exactly on their text, nothing is
imported and they are listed; --skip-unplaced imports the rest without them."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.exports.services import UnplacedSelections, qdpx_import_or_reject

from ._progress import command_error, progress_bar


class Command(BaseCommand):
    help = "Import a REFI-QDA project (.qdpx) into a new project; prints the new project's slug."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project-name", default="", help="the new project's name (default: from the file)")
        parser.add_argument("--user", default="", help="the owner of the new project (default: the first superuser)")
        parser.add_argument("--skip-unplaced", action="store_true",
                            help="import without the selections that cannot be placed exactly on their text "
                                 "(they are listed); without it such a file imports nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        User = get_user_model()
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
        else:
            user = User.objects.filter(is_superuser=True).order_by("id").first() or User.objects.order_by("id").first()
        if user is None:
            raise CommandError("No user to own the project: create one or pass --user.")
        try:
            with progress_bar() as progress:
                project, report = qdpx_import_or_reject(data=path.read_bytes(), user=user,
                                                        project_name=options["project_name"], filename=path.name,
                                                        skip_unplaced=options["skip_unplaced"], progress=progress)
        except UnplacedSelections as refusal:
            for line in refusal.report.notes + refusal.report.unplaced_lines():
                self.stderr.write(line)
            count = len(refusal.report.unplaced)
            raise CommandError(f"{count} selection{'s' if count != 1 else ''} could not be placed exactly on their "
                               "text, so nothing was imported. Run again with --skip-unplaced to import without "
                               f"{'them' if count != 1 else 'it'}.")
        except ValidationError as error:
            raise command_error(error)
        for line in report.lines():
            self.stderr.write(line)
        self.stdout.write(project.slug)
