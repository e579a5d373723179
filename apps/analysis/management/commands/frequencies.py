"""python manage.py frequencies --project SLUG"""
from django.core.management.base import BaseCommand, CommandError

from apps.analysis.selectors import code_frequencies
from apps.analysis.tables import frequencies_table, table_csv
from apps.projects.models import Project


class Command(BaseCommand):
    help = ("Print the code frequencies as CSV: per code (its path in the tree), the segments, distinct experts "
            "and words coded, of the code alone and with its sub-codes.")

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        self.stdout.write(table_csv(frequencies_table(code_frequencies(project=project)), guard=False), ending="")
