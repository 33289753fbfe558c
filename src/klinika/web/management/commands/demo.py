from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, seed the demo clinic (synthetic data) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="seed only, do not start the server")

    def handle(self, *args, port, host, no_serve, **options):
        for alias in ("default", "keystore"):
            call_command("migrate", database=alias, interactive=False, verbosity=0)
        call_command("seed_demo", stdout=self.stdout)
        if not no_serve:
            call_command("serve", port=port, host=host, stdout=self.stdout)
