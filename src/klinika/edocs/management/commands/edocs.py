from django.core.management.base import BaseCommand, CommandError

from klinika.audit.context import acting_as
from klinika.edocs.services.submission import GATEWAY_ACTOR, retry_due
from klinika.edocs.tasks import enqueue_retries
from klinika.tenancy.context import clinic_context, current_clinic_id
from klinika.tenancy.services import clinics_to_serve


class Command(BaseCommand):
    help = ("Submit signed e-documents whose next attempt is due (after an outage of the national platform), "
            "now or through the task worker. `klinika worker` queues the retries by itself every few minutes.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in [("retry", "attempt every due submission now, in this process"),
                           ("enqueue", "queue one retry task per clinic for the worker (`klinika worker`)")]:
            command = sub.add_parser(name, help=text)
            command.add_argument("--clinic", help="clinic slug or id (default: every active clinic)")

    def _clinics(self, ref):
        if ref is None and current_clinic_id() is not None:  # `klinika --clinic X edocs ...`
            ref = str(current_clinic_id())
        try:
            return clinics_to_serve(ref, "submits no e-documents")
        except LookupError as exc:
            raise CommandError(str(exc)) from None

    def handle(self, *args, action, clinic=None, **options):
        clinics = self._clinics(clinic)
        if action == "enqueue":
            for clinic_obj, result in zip(clinics, enqueue_retries(clinics), strict=True):
                self.stdout.write(f"{clinic_obj.slug}: queued (task {result.id}, {result.status})")
            return
        with acting_as(GATEWAY_ACTOR):
            for clinic_obj in clinics:
                with clinic_context(clinic_obj):
                    counts = retry_due()
                self.stdout.write(f"{clinic_obj.slug}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
