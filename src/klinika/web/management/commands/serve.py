from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from klinika.environments import UNSAFE, is_production


def unsafe_findings() -> list[checks.CheckMessage]:
    return checks.run_checks(tags=[UNSAFE], include_deployment_checks=True)


class Command(BaseCommand):
    help = "Serve klinika with a production WSGI server (waitress)."
    # The unsafe settings are checked first, each on one line (handle); the rest after them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, port, host, threads, **options):
        if is_production():
            found = unsafe_findings()
            if found:
                lines = "\n".join(f"  {f.msg} {f.hint}" for f in found)
                raise CommandError(f"refusing to serve with KLINIKA_ENV=production while {len(found)} setting(s) "
                                   f"are unsafe:\n{lines}")
        if not options.get("skip_checks"):
            self.check()
        for alias in ("default", "keystore"):
            executor = MigrationExecutor(connections[alias])
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                raise CommandError(f"the {alias} database needs migrating: run `klinika migrate --database {alias}`")
        call_command("collectstatic", interactive=False, verbosity=0)
        from waitress import serve

        from klinika.wsgi import application

        proxy = {}
        if settings.KLINIKA_TRUSTED_PROXY:
            # Only this peer's X-Forwarded-* headers are believed; waitress drops them from anyone else.
            proxy = {"trusted_proxy": settings.KLINIKA_TRUSTED_PROXY,
                     "trusted_proxy_headers": set(settings.KLINIKA_TRUSTED_PROXY_HEADERS),
                     "clear_untrusted_proxy_headers": True}
        behind = f", behind the proxy at {settings.KLINIKA_TRUSTED_PROXY}" if proxy else ""
        self.stdout.write(f"klinika at http://{host}:{port}/{behind}  (Ctrl+C stops)")
        serve(application, host=host, port=port, threads=threads, ident="klinika", **proxy)
