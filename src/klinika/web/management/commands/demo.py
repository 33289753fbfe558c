import contextlib
import logging
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router
from django.db.migrations.loader import MigrationLoader
from django.utils.crypto import get_random_string

from klinika.environments import is_production
from klinika.web.worker import PeriodicWorker


class Command(BaseCommand):
    help = "Migrate, seed the demo clinic (synthetic data) and serve it."
    # Checked in handle, once the demo's message backends are chosen.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="seed only, do not start the server")

    def handle(self, *args, port, host, no_serve, **options):
        if is_production():
            # Only production holds real people; a clinic of generated ones never goes there.
            raise CommandError("klinika demo does not run with KLINIKA_ENV=production: the demo clinic is "
                               "generated people in a database of its own. Use another data directory "
                               "with KLINIKA_ENV=dev (the default).")
        use_the_outbox()
        self.check()
        call_command("migrate", database="default", interactive=False, verbosity=0)
        migrate_keystore()
        call_command("seed_demo", stdout=self.stdout)
        if not no_serve:
            # Like production, signed documents are queued and a worker submits them: a demo
            # without one would leave every e-prescription waiting to be sent for ever.
            with background_worker():
                self.stdout.write("worker running in the background: signed documents are submitted within seconds")
                call_command("serve", port=port, host=host, stdout=self.stdout)


@contextlib.contextmanager
def background_worker(*, every: float = 60, interval: float = 1):
    """`klinika worker` in a thread of this process, for as long as the block runs; stopped and joined after."""
    worker = PeriodicWorker(every=every, interval=interval, worker_id=f"demo-{get_random_string(12)}")
    thread = threading.Thread(target=_run_worker, args=(worker,), name="klinika-demo-worker", daemon=True)
    thread.start()
    # SIGTERM stops the server as Ctrl+C does (waitress returns on KeyboardInterrupt), so the
    # worker below is stopped after its current task rather than killed with the process.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        yield worker
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        worker.running = False
        thread.join(timeout=30)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _run_worker(worker):
    try:
        worker.serve()
    except Exception:
        logging.getLogger("klinika.worker").exception("the demo's background worker stopped")
    finally:
        connections.close_all()  # this thread's own connections


def use_the_outbox():
    """The demo's messages go to the file outbox, whatever the environment says.

    Its patients are generated, but their phone numbers and addresses may be someone's real
    ones: a real gateway would text strangers. (With KLINIKA_ENV=production the file backends
    refuse to write, and `serve` refuses to start.)
    """
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.EMAIL_BACKEND = "klinika.notify.mail.FileEmailBackend"


def migrate_keystore():
    """What `migrate --database keystore` does, in a fraction of its time.

    The router lets only the keystore's own app migrate there, so every other app's migration is
    a no-op on that database. Run, each would still re-render the project's models (seconds, for
    nothing); recorded as applied (--fake) instead, the keystore ends in the same state.
    """
    loader = MigrationLoader(connections["keystore"], ignore_no_migrations=True)
    for label in sorted(loader.migrated_apps):
        if router.allow_migrate("keystore", label):
            call_command("migrate", label, database="keystore", interactive=False, verbosity=0)
    call_command("migrate", database="keystore", fake=True, interactive=False, verbosity=0)
