from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from klinika.audit.services import checkpoint
from klinika.audit.verify import verify
from klinika.tenancy.models import Clinic
from klinika.tenancy.services import find_clinic


class Command(BaseCommand):
    help = "Verify audit chains or write a signed checkpoint."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("verify", help="check hash chain and signed checkpoints")
        v.add_argument("clinic", nargs="?", help="clinic slug or id (default: every clinic and the vendor chain)")
        c = sub.add_parser("checkpoint", help="sign the chain head now")
        c.add_argument("clinic", nargs="?", help="clinic slug or id (default: every clinic)")

    def _targets(self, ref):
        if ref:
            try:
                return [find_clinic(ref)]
            except LookupError as exc:
                raise CommandError(str(exc)) from None
        return [*Clinic.objects.all(), None]

    def handle(self, *args, action, clinic=None, **options):
        targets = self._targets(clinic)
        if action == "checkpoint":
            for target in targets:
                cp = checkpoint(target.pk if target else None)
                label = target.slug if target else "vendor"
                self.stdout.write(f"{label}: " + (f"checkpoint at event #{cp.seq}" if cp else "no events yet"))
            return
        bad = 0
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            for target in targets:
                label = target.slug if target else "vendor"
                task = progress.add_task(f"verifying {label}", total=None)
                report = verify(target.pk if target else None,
                                progress=lambda done, total, task=task: progress.update(
                                    task, completed=done, total=total))
                progress.remove_task(task)
                if report.ok:
                    self.stdout.write(f"{label}: OK ({report.events} events, {report.checkpoints} checkpoints)")
                else:
                    bad += 1
                    self.stdout.write(f"{label}: BROKEN — first bad: {report.first_bad}")
                    for problem in report.problems:
                        self.stdout.write(f"  {problem}")
                for line in _details(report):
                    self.stdout.write(f"  {line}")
        if bad:
            raise CommandError(f"{bad} audit chain(s) failed verification")


def _details(report):
    """What an operator needs to judge an OK: what could still go unnoticed, and why."""
    yield (f"{report.pending} event(s) not yet under a witnessed checkpoint "
           f"({report.witnessed} witnessed, the last at #{report.last_witnessed})")
    if report.keyed_from is None and report.events:
        yield "links are unkeyed SHA-256 (written before keyed links; keyed from the next event on)"
    elif report.keyed_from and report.keyed_from > 1:
        yield f"events #1..#{report.keyed_from - 1} have unkeyed links from before keyed links, sealed by the keystore"
    if report.key_shredded:
        yield ("the clinic was crypto-shredded and its audit key with it: keyed links were checked for order "
               "and against the witnessed checkpoints, not recomputed")
    yield from report.notes
