from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.demo.errors import DemoDataError
from apps.demo.loader import DEMO_PASSWORD, DEMO_SLUG, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load the fictional demo study (project 'csto-requests') and its two demo users. Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--demo-dir", dest="demo_dir", default=None,
                            help="Load the demo files from this folder instead of fixtures/demo/.")

    def handle(self, *args, **options):
        try:
            project, created = load_demo(progress=lambda m: self.stdout.write(f"  {m}"),
                                         demo_dir=options["demo_dir"])
        except (DemoDataError, ValidationError) as error:
            raise CommandError(f"The demo was not loaded: {error}") from error
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo project '{project.name}' ({DEMO_SLUG})."))
        else:
            self.stdout.write(f"The demo project '{DEMO_SLUG}' exists already; nothing changed.")
        logins = ", ".join(f"{name} ({role}) / {DEMO_PASSWORD}" for name, role, _ in DEMO_USERS)
        self.stdout.write(f"Demo logins: {logins}")
