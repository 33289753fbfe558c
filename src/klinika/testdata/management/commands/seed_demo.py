from django.core.management.base import BaseCommand
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from klinika.testdata.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the generated demo clinic (synthetic people only), if it does not exist yet."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=50)
        parser.add_argument("--seed", type=int, default=None, help="seed for repeatable data")

    def handle(self, *args, patients, seed, **options):
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True, disable=not self.stdout.isatty()) as progress:
            bars = {}

            def advance(step, done, total):
                if step not in bars:
                    bars[step] = progress.add_task(step, total=total)
                progress.update(bars[step], completed=done, total=total)

            result = seed_demo(patients, seed, progress=advance)
        verb = "created" if result.created else "already present"
        self.stdout.write(f"demo clinic {verb}: {result.clinic.name} ({result.clinic.slug})")
        self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD}):")
        for login, role in result.logins:
            self.stdout.write(f"  {login:<16} {role}")
