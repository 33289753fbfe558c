from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.http import Http404

from klinika.audit.context import Actor, acting_as
from klinika.lifecycle import services as lifecycle
from klinika.lifecycle.retention import services
from klinika.tenancy.context import clinic_context
from klinika.tenancy.services import find_clinic

CLI_ACTOR = Actor(None, "cli:retention")


class Command(BaseCommand):
    help = ("Retention of medical documentation (art. 29 ust. 1 of the patients' rights act): list what is past "
            "its period, record the clinic's approval, erase what was approved. Prints opaque ids, never names.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="recompute and list what is past its retention period")
        approve = sub.add_parser("approve", help="record the clinic's approval to erase due items")
        approve.add_argument("ids", nargs="*", metavar="ID", help="ids from `retention due` (default: with --all)")
        approve.add_argument("--all", action="store_true", help="approve every item now in the queue")
        approve.add_argument("--by", required=True, metavar="LOGIN",
                             help="the clinic administrator or data protection officer who approves")
        run = sub.add_parser("run", help="erase what was approved, is still due and is not on legal hold")
        run.add_argument("--rotate-index", action="store_true",
                         help="after erasing patients, rotate the clinic's index key, so that clinic-database "
                              "backups stop matching their identifiers (docs/erasure.md)")
        for parser_ in (due, approve, run):
            parser_.add_argument("--clinic", required=True, help="the clinic's slug or id")

    @no_translations  # operators read English
    def handle(self, *args, action, **options):
        try:
            clinic = find_clinic(options["clinic"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        with clinic_context(clinic), acting_as(CLI_ACTOR):
            if action == "due":
                self._due()
            elif action == "approve":
                self._approve(clinic, options)
            else:
                self._run(clinic, options["rotate_index"])

    def _due(self):
        report = services.refresh_queue()
        queue = services.queue_rows()
        for row in queue:
            item = row.item
            state = "held" if row.held else ("approved" if item.approved_at else "awaiting approval")
            self.stdout.write(f"{item.ref}\t{item.kind}\t{item.rule}\t{item.due_on.isoformat()}\t{state}")
        self.stdout.write(f"{report.due} due ({report.new} new, {report.dropped} no longer due)")

    def _approve(self, clinic, options):
        if bool(options["ids"]) == bool(options["all"]):
            raise CommandError("name the ids to approve (from `retention due`) or give --all, not both")
        user = get_user_model().objects.filter(username=options["by"], clinic=clinic, is_active=True).first()
        if user is None:
            raise CommandError(f"No active login {options['by']!r} in clinic {clinic.slug}; --by names one of its "
                               "administrators or its data protection officer")
        try:
            approved = services.approve(user, None if options["all"] else options["ids"])
        except PermissionDenied:
            raise CommandError(f"{user.username} may not approve erasure: only the clinic administrator or the data "
                               "protection officer may") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except Http404:
            raise CommandError("some ids are not in this clinic's retention queue; `retention due` lists it") from None
        self.stdout.write(f"approved {len(approved)} item(s) by {user.username}; `retention run` erases them")

    def _run(self, clinic, rotate_index):
        report = services.run()
        for item in report.erased:
            what = "crypto-erased" if item.kind == "patient" else "deleted"
            self.stdout.write(f"{item.ref}\t{item.kind}\t{item.rule}\t{what}")
        for item in report.held:
            self.stdout.write(f"{item.ref}\t{item.kind}\t{item.rule}\tkept: on legal hold")
        for item in report.no_longer_due:
            self.stdout.write(f"{item.ref}\t{item.kind}\t{item.rule}\tkept: no longer due (run `retention due`)")
        self.stdout.write(f"erased {len(report.erased)}, held {len(report.held)}, no longer due "
                          f"{len(report.no_longer_due)}; {report.awaiting_approval} due item(s) await approval")
        patients = sum(item.kind == "patient" for item in report.erased)
        if patients and rotate_index:
            rotation = lifecycle.rotate_index_key(clinic)
            self.stdout.write(f"rotated the index key: {rotation.rows} rows re-indexed; backups no longer match "
                              "the erased patients' identifiers")
        elif patients:
            self.stdout.write(f"{patients} patient(s) erased: run `klinika keys rotate {clinic.slug} --index` (or "
                              "`retention run --rotate-index`) so clinic-database backups stop matching their "
                              "identifiers")
