from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from klinika.audit.context import acting_as
from klinika.scheduling.services.reminders import REMINDER_ACTOR, send_due_reminders
from klinika.scheduling.tasks import enqueue_reminders
from klinika.tenancy.context import clinic_context, current_clinic_id
from klinika.tenancy.services import clinics_to_serve


class Command(BaseCommand):
    help = ("Send appointment reminders now, or queue them for the task worker. `klinika worker` queues "
            "them by itself every few minutes.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in [("send", "send the due reminders now, in this process"),
                           ("enqueue", "queue one reminder task per clinic for the worker")]:
            command = sub.add_parser(name, help=text)
            command.add_argument("--clinic", help="clinic slug or id (default: every active clinic)")

    def _clinics(self, ref):
        if ref is None and current_clinic_id() is not None:  # `klinika --clinic X reminders ...`
            ref = str(current_clinic_id())
        try:
            return clinics_to_serve(ref, "sends no reminders")
        except LookupError as exc:
            raise CommandError(str(exc)) from None

    def handle(self, *args, action, clinic=None, **options):
        clinics = self._clinics(clinic)
        if action == "enqueue":
            for clinic_obj, result in zip(clinics, enqueue_reminders(clinics), strict=True):
                self.stdout.write(f"{clinic_obj.slug}: queued (task {result.id}, {result.status})")
            return
        failed = 0
        with Progress(disable=not self.stdout.isatty()) as progress, acting_as(REMINDER_ACTOR):
            for clinic_obj in clinics:
                bar = progress.add_task(f"reminders {clinic_obj.slug}", total=None)
                with clinic_context(clinic_obj):
                    run = send_due_reminders(progress=lambda done, total, bar=bar: progress.update(
                        bar, completed=done, total=total))
                handled = run.sent + run.skipped + run.failed + run.taken
                progress.update(bar, completed=handled, total=handled or 1)
                failed += run.failed
                self.stdout.write(f"{clinic_obj.slug}: {run.sent} sent, {run.skipped} skipped, "
                                  f"{run.failed} failed, {run.taken} already taken by another worker")
        if failed:
            raise CommandError(f"{failed} reminder(s) could not be sent; the reasons are in the clinics' messages")
