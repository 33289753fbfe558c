import logging
import signal
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands.db_worker import valid_interval, validate_worker_id

from klinika.web.worker import PeriodicWorker

# The signals django-tasks-db's worker takes over for its graceful shutdown.
_SIGNALS = [sig for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if sig is not None]


def positive_seconds(value: str) -> float:
    seconds = valid_interval(value)
    if seconds <= 0:
        raise ArgumentTypeError("Must be greater than zero")
    return seconds


def configure_logging(verbosity: int):
    """-v 0: warnings and failed tasks; -v 1: what each round queued and ran; -v 2: every task, every poll."""
    logging.getLogger("klinika.worker").setLevel(logging.WARNING if verbosity == 0 else logging.INFO)
    detail = logging.DEBUG if verbosity >= 2 else logging.WARNING
    logging.getLogger("django_tasks").setLevel(detail)  # "task started / finished" lines
    logging.getLogger("django_tasks_db").setLevel(detail)  # "starting worker / no more tasks" on every poll


class Command(BaseCommand):
    help = ("Run the queued background tasks and, every --every seconds, queue each active clinic's due "
            "reminders and e-document submissions. SIGTERM or Ctrl+C stops it after the task in progress.")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=positive_seconds, default=300,
                            help="seconds between two rounds of queuing the periodic jobs (default: %(default)s)")
        parser.add_argument("--interval", type=valid_interval, default=1,
                            help="seconds to wait when the queue is empty before looking again (default: %(default)s)")
        parser.add_argument("--once", action="store_true",
                            help="queue one round, run the queue until it is empty, then exit (for cron)")
        parser.add_argument("--worker-id", type=validate_worker_id, default=None,
                            help="this worker's id in the task results, unique among workers (default: random)")

    def handle(self, *args, every, interval, once, worker_id, verbosity, **options):
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError("klinika worker needs the database task backend (TASKS = "
                               "django_tasks_db.DatabaseBackend); with this configuration tasks run at once")
        configure_logging(verbosity)
        worker = PeriodicWorker(every=every, interval=interval, worker_id=worker_id or get_random_string(32))
        previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
        worker.configure_signals()
        try:
            worker.serve(once=once)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if once and worker.failed:
            raise CommandError(f"{worker.failed} task(s) failed; the task results hold their tracebacks")
