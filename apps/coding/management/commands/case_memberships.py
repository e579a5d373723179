"""python manage.py case_memberships [--project SLUG] [--check]"""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.coding.models import CaseMembership
from apps.coding.selectors import membership_drift
from apps.coding.services import case_membership_refresh
from apps.projects.models import Project


class Command(BaseCommand):
    help = ("Store again which segments count for which case, from the case-membership rule, for one project or "
            "all. The app keeps them current by itself; this repairs a database changed behind its back (raw SQL, "
            "a bulk load without the services). With --check, only report what differs, and fail if anything does.")

    def add_arguments(self, parser):
        parser.add_argument("--project", help="The project's slug (default: every project).")
        parser.add_argument("--check", action="store_true", help="Compare only; exit with an error on a difference.")

    def handle(self, *args, **options):
        projects = Project.objects.order_by("slug")
        if options["project"]:
            projects = projects.filter(slug=options["project"])
            if not projects.exists():
                raise CommandError(f"No project with the slug {options['project']!r}.")
        drifted = []
        for project in projects:
            missing, extra = membership_drift(project=project)
            if options["check"]:
                state = "in step" if not (missing or extra) else f"{missing} missing, {extra} not due"
                self.stdout.write(f"{project.slug}: {state}")
                if missing or extra:
                    drifted.append(project.slug)
                continue
            with transaction.atomic():
                case_membership_refresh(project_id=project.pk)
            stored = CaseMembership.objects.filter(project=project).count()
            self.stdout.write(f"{project.slug}: {stored} memberships stored ({missing} were missing, "
                              f"{extra} not due)")
        if drifted:
            raise CommandError(f"Stored case memberships differ from the rule in: {', '.join(drifted)}. "
                               "Run `python manage.py case_memberships` to store them again.")
