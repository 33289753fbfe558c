from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Serve klinika with a production WSGI server (waitress)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, port, host, threads, **options):
        for alias in ("default", "keystore"):
            executor = MigrationExecutor(connections[alias])
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                raise CommandError(f"the {alias} database needs migrating: run `klinika migrate --database {alias}`")
        call_command("collectstatic", interactive=False, verbosity=0)
        from waitress import serve

        from klinika.wsgi import application

        self.stdout.write(f"klinika at http://{host}:{port}/  (Ctrl+C stops)")
        serve(application, host=host, port=port, threads=threads, ident="klinika")
