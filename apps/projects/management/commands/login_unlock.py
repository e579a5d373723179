"""Lift the login throttle's pause for a user name or an address at once.

    manage.py login_unlock olga                  # olga, from every address and browser
    manage.py login_unlock --address 192.0.2.7   # that address, for every user name
    manage.py login_unlock --all                 # everyone
"""
from django.core.management.base import BaseCommand, CommandError

from apps.projects.throttle import throttle_clear


class Command(BaseCommand):
    help = "Clear the failed sign-ins and pauses of a user name, of a client address, or (--all) of everyone."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="the user name as typed at sign-in")
        parser.add_argument("--address", default="", help="a client address (IPv6: any address of the /64)")
        parser.add_argument("--all", action="store_true", help="clear every count and pause")

    def handle(self, *args, username, address, all, **options):
        if not (username or address or all):
            raise CommandError("Name a user, an --address, or --all.")
        if all and (username or address):
            raise CommandError("--all clears everything; give it alone.")
        cleared = throttle_clear(username=username, address=address)
        self.stdout.write(f"Cleared {cleared} count{'s' if cleared != 1 else ''} of failed sign-ins.")
