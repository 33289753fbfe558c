"""The background worker behind `klinika worker`: django-tasks-db's own worker, plus a schedule.

Running tasks (claiming a queued one, calling it, recording its result) is left entirely to
django-tasks-db's `Worker`, in batch mode: "run whatever is ready, then come back". Around it
this adds the periodic jobs: every `every` seconds, one round queues for each active clinic
the jobs in PERIODIC_JOBS, through the same functions as `klinika reminders enqueue` and
`klinika edocs enqueue`. Each of those is a clinic task, so its body runs inside the clinic's
context.

Two workers at once are safe. django-tasks-db hands a queued task to one worker only (a
locked row; an exclusive transaction on SQLite), and what the tasks do is claimed again in
the clinic's data: a reminder is a row per appointment under a unique constraint, written
before anything is sent, and an e-document's next attempt is pushed a lease ahead under a
row lock before the platform is called. A doubled round therefore costs a few queries, never
a second text to a patient or a second submission.
"""
import logging
import signal
import time

from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker

from klinika.audit.services import checkpoint_pending
from klinika.edocs.tasks import enqueue_retries
from klinika.lifecycle.retention.tasks import enqueue_daily_scans
from klinika.scheduling.tasks import enqueue_hold_releases, enqueue_reminders
from klinika.tenancy.services import active_clinics

logger = logging.getLogger("klinika.worker")

# name → the function the app's own `enqueue` subcommand uses: enqueue(clinics) → one task result per clinic.
PERIODIC_JOBS = {"reminders": enqueue_reminders, "edocs": enqueue_retries,
                 "waitlist holds": enqueue_hold_releases}

# A long --interval is slept in slices, so SIGTERM during the pause stops the worker soon.
_PAUSE_SLICE = 0.5


def enqueue_periodic_jobs() -> dict[str, dict[str, str]]:
    """Queue every periodic job for every active clinic: {clinic slug: {job name: task id}}."""
    clinics = active_clinics()
    queued = {clinic.slug: {} for clinic in clinics}
    for name, enqueue in PERIODIC_JOBS.items():
        for clinic, result in zip(clinics, enqueue(clinics), strict=True):
            queued[clinic.slug][name] = result.id
    return queued


def expire_test_datasets():
    """A test environment's datasets die on time even while it runs, and production's audit keys of
    datasets it wrote die with them (testdata/datasets/services.py)."""
    from klinika.testdata.datasets.services import expire_datasets

    for gone in expire_datasets():  # in production: nothing loaded, only audit keys past expiry
        logger.warning("test dataset %s (clinic %s) expired: its key is destroyed, the clinic shredded",
                       gone.dataset_id, gone.slug)


def destroy_old_root_generations():
    """Retired root key generations die when the backup retention window has passed (crypto/keystore.py)."""
    from klinika.crypto.keystore import RootGenerationInUse, destroy_due_root_generations

    try:
        gone = destroy_due_root_generations()
    except RootGenerationInUse as exc:
        logger.error("root key generations: %s", exc)
        gone = exc.destroyed
    for number in gone:
        logger.warning("root key generation %d destroyed: keystore backups made under it open no more", number)


def issue_backup_statements():
    """A deletion certificate's second statement goes out the round after the root key generation that
    wrapped the clinic's KEK is destroyed (lifecycle/termination/services/certificates.py)."""
    from klinika.lifecycle.termination.services.certificates import issue_backup_statements as issue

    try:
        issued = issue()
    except Exception:  # the other periodic work still runs; the next round tries again
        logger.exception("backup statements of deletion certificates could not be issued this round")
        return
    for termination in issued:
        logger.info("termination %s: backup statement issued", termination.public_id)


class PeriodicWorker(Worker):
    """django-tasks-db's worker, driven in rounds: queue the periodic jobs when due, run what is ready, pause."""

    def __init__(self, *, every: float, interval: float, worker_id: str,
                 backend_name: str = DEFAULT_TASK_BACKEND_ALIAS):
        super().__init__(queue_names=["*"], excluded_queue_names=[], interval=interval, batch=True,
                         backend_name=backend_name, startup_delay=False, max_tasks=None, worker_id=worker_id)
        self.every = every
        self.ran = 0
        self.failed = 0

    def shutdown(self, signum, frame):
        # Upstream exits on the spot when no task is running, which could be in the middle of
        # a round of enqueues; here the first signal only ends the loop at its next check.
        if not self.running:
            super().shutdown(signum, frame)  # a second signal: upstream's forced exit
        logger.warning("%s received: finishing the current task, then stopping (again to force)",
                       signal.Signals(signum).name)
        self.running = False

    def run_task(self, db_task_result):
        super().run_task(db_task_result)
        self.ran += 1
        if db_task_result.status == TaskResultStatus.FAILED:
            self.failed += 1

    def queue_round(self) -> dict[str, dict[str, str]]:
        for cp in checkpoint_pending():  # audit: no chain waits longer than a round for a witnessed checkpoint
            logger.info("audit chain %s: signed a checkpoint at event #%d", cp.chain, cp.seq)
        expire_test_datasets()
        destroy_old_root_generations()
        issue_backup_statements()
        queued = enqueue_periodic_jobs()
        if scans := enqueue_daily_scans(active_clinics()):  # retention's due queue: once a day per clinic
            logger.info("queued %d daily retention scan(s)", len(scans))
        for slug, tasks in queued.items():
            logger.info("%s: queued %s", slug, ", ".join(f"{job} (task {task_id})" for job, task_id in tasks.items()))
        if not queued:
            logger.info("no active clinic: nothing to queue")
        return queued

    def drain(self):
        """Every task that is ready, then back (django-tasks-db's batch mode)."""
        ran, failed = self.ran, self.failed
        self.run()
        if self.ran > ran:
            logger.info("ran %d task(s), %d failed", self.ran - ran, self.failed - failed)

    def serve(self, *, once: bool = False):
        """Until a signal stops it; with `once`, one round and the queue drained, then return."""
        logger.info("worker %s started: periodic jobs every %gs, queue checked every %gs",
                    self.worker_id, self.every, self.interval)
        next_round = time.monotonic()
        while self.running:
            if time.monotonic() >= next_round:
                self.queue_round()
                next_round = time.monotonic() + self.every
            self.drain()
            if once:
                break
            self._pause(min(self.interval, max(next_round - time.monotonic(), 0)))
        logger.info("worker %s stopped", self.worker_id)

    def _pause(self, seconds: float):
        until = time.monotonic() + seconds
        while self.running and (left := until - time.monotonic()) > 0:
            time.sleep(min(left, _PAUSE_SLICE))
