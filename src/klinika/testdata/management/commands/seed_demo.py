from django.core.management.base import BaseCommand
from rich.progress import Progress

from klinika.testdata.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the generated demo clinic (synthetic people only), if it does not exist yet."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=50)
        parser.add_argument("--seed", type=int, default=None, help="seed for repeatable data")

    def handle(self, *args, patients, seed, **options):
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            task = progress.add_task("generating demo patients", total=patients)
            result = seed_demo(patients, seed, progress=lambda done, total: progress.update(task, completed=done))
        verb = "created" if result.created else "already present"
        self.stdout.write(f"demo clinic {verb}: {result.clinic.name} ({result.clinic.slug})")
        self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD}):")
        for login, role in result.logins:
            self.stdout.write(f"  {login:<16} {role}")
