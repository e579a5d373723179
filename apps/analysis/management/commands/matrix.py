"""python manage.py matrix --project SLUG [--measure experts|segments|words] [--columns cases|experts|ATTRIBUTE]"""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.analysis.selectors import COLUMN_KINDS, MEASURES, code_case_matrix
from apps.analysis.tables import matrix_table, table_csv
from apps.cases.models import Attribute
from apps.coding.selectors import code_tree
from apps.projects.models import Project


class Command(BaseCommand):
    help = ("Print the code x case matrix as CSV: the first column is the code's path in the tree, then one "
            "column per case (or expert, transcript, coder, or value of an attribute).")

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--measure", default="experts", choices=list(MEASURES),
                            help="What a cell counts: distinct experts (default), segments, or words coded.")
        parser.add_argument("--columns", default="cases",
                            help=f"{', '.join(COLUMN_KINDS)}, or the name (or id) of a case or expert attribute.")
        parser.add_argument("--branch", default="", help="Only this code and its sub-codes, by path ('A > B').")
        parser.add_argument("--subcodes", action="store_true", help="Count sub-codes into their parents.")
        parser.add_argument("--all-coders", action="store_true",
                            help="Count every coder's codings (default: the primary coder's and the settled ones).")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        columns = options["columns"]
        if columns not in COLUMN_KINDS:
            columns = _attribute(project, columns).pk
        root = None
        if options["branch"]:
            paths = {node.path: node.code for node in code_tree(project=project, counts=False)}
            root = paths.get(" > ".join(part.strip() for part in options["branch"].split(">")))
            if root is None:
                raise CommandError(f"No code with the path {options['branch']!r} in {project.slug}.")
        try:
            matrix = code_case_matrix(project=project, measure=options["measure"], columns=columns, root_code=root,
                                      rollup=options["subcodes"], segment_ids=False, all_coders=options["all_coders"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(table_csv(matrix_table(matrix), guard=False), ending="")


def _attribute(project, name_or_id: str) -> Attribute:
    attributes = list(Attribute.objects.filter(project=project))
    for attribute in attributes:
        if attribute.name == name_or_id or str(attribute.pk) == name_or_id:
            return attribute
    names = ", ".join(repr(a.name) for a in attributes) or "none"
    raise CommandError(f"--columns is {', '.join(COLUMN_KINDS)} or an attribute of {project.slug}; "
                       f"{name_or_id!r} is neither (attributes: {names}).")
