"""`klinika clinic terminate`: the argument parser and the command's body (clinic.py calls these)."""
from django.core.management.base import CommandError
from django.utils import timezone

from klinika.lifecycle.termination import services, steps
from klinika.tenancy.services import find_clinic


def add_terminate_parser(sub) -> None:
    terminate = sub.add_parser(
        "terminate", help="end a clinic's contract step by step: notice, export delivered and acknowledged, "
                          "grace period, crypto-shred, rows removed, deletion certificate (rerun to continue)")
    terminate.add_argument("clinic", help="the clinic's slug or id")
    terminate.add_argument("--reason", help="why the contract ends (first call: gives notice)")
    terminate.add_argument("--by", metavar="WHO", help="who gives notice / delivers the export (operator login)")
    terminate.add_argument("--delivered", metavar="DIR",
                           help="the handover export delivered to the clinic (its directory or manifest.json)")
    terminate.add_argument("--acknowledged", metavar="SHA256",
                           help="record the clinic's written acknowledgement of the export: the SHA-256 of its "
                                "manifest.json (the clinic admin can also do it on the termination page)")
    terminate.add_argument("--admin", metavar="LOGIN", help="with --acknowledged: the clinic administrator who did")
    terminate.add_argument("--status", action="store_true", help="only show where the termination stands")


def run_terminate(command, options) -> None:
    try:
        clinic = find_clinic(options["clinic"])
    except LookupError as exc:
        raise CommandError(str(exc)) from None
    by = options.get("by") or ""
    try:
        if options.get("status"):
            _print_status(command, services.termination_of(clinic), clinic)
            return
        if options.get("reason"):
            services.give_notice(clinic, reason=options["reason"], by=by)
        if options.get("delivered"):
            services.record_delivery(clinic, options["delivered"], by=by)
        if options.get("acknowledged"):
            services.acknowledge_as(clinic, options["acknowledged"], options.get("admin") or "")
        termination = services.termination_of(clinic)
        if termination is None:
            raise services.TerminationError(
                f"Clinic {clinic.slug} has no termination under way; start one with "
                f"`klinika clinic terminate {clinic.slug} --reason TEXT --by WHO`")
        if termination.acknowledged_at is not None:
            services.advance(clinic, progress=_progress(command))
    except services.TerminationError as exc:
        _print_status(command, services.termination_of(clinic), clinic)
        raise CommandError(str(exc)) from None
    _print_status(command, services.termination_of(clinic), clinic)


def _progress(command):
    last = {}

    def report(table, removed):
        # a line per table every 10,000 rows: an operator sees the removal move on a big clinic
        if removed // 10_000 != last.get(table, 0) // 10_000:
            command.stdout.write(f"  {table}: {removed} rows removed")
        last[table] = removed

    return report


def _print_status(command, termination, clinic) -> None:
    if termination is None:
        command.stdout.write(f"{clinic.slug}: no termination under way")
        return
    command.stdout.write(f"termination {termination.public_id} of {clinic.slug}:")
    for step in services.status(termination):
        at = timezone.localtime(step["at"]).strftime("%Y-%m-%d %H:%M") if step["at"] else "-"
        command.stdout.write(f"  [{'x' if step['done'] else ' '}] {step['key']:<13} {at}")
    upcoming = steps.next_step(termination)
    if upcoming == steps.GRACE and termination.grace_ends_at:
        ends = timezone.localtime(termination.grace_ends_at).strftime("%Y-%m-%d %H:%M %Z")
        command.stdout.write(f"next: the grace period ends {ends}; export is still possible until then")
    elif upcoming is not None:
        command.stdout.write(f"next: {upcoming}")
    else:
        command.stdout.write(f"done: deletion certificate issued; `klinika certificate show {clinic.slug}`")
