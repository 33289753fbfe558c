"""`klinika breach open|list|show|scope|report|notify`: the incident register for the data protection officer."""
import datetime
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from klinika.breach import deadlines, report, services
from klinika.breach import scope as scoping
from klinika.breach import severity as sev
from klinika.breach.models import DetectedBy, Incident, Loss, Notice, Recipients, SourceKind
from klinika.tenancy.context import clinic_context, cross_clinic
from klinika.tenancy.services import find_clinic

KEYS = {"none": (False, False), "keystore": (True, False), "root": (False, True), "both": (True, True)}


def _when(text: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a time: write it as 2026-03-01T14:30 (ISO 8601)") from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = "Breach response: register incidents, work out their scope and severity, report, notify patients."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        new = sub.add_parser("open", help="register an incident (one per clinic named; several: vendor-wide)")
        new.add_argument("--clinic", action="append", required=True, help="clinic slug or id (repeat for several)")
        new.add_argument("--summary", required=True, help="what happened")
        new.add_argument("--detected-at", required=True, help="time of awareness (ISO 8601); starts the 72 h clock")
        new.add_argument("--source", required=True, choices=SourceKind.values)
        new.add_argument("--source-ref", default="",
                         help="the leaked copy's path or database (sqlite:/path, pg:NAME, postgres://...), the "
                              "backup id, the dataset id, the export directory or the login; a password in a "
                              "postgres:// URL is dropped before storing: give it in PGPASSWORD or ~/.pgpass when the "
                              "copy is read")
        new.add_argument("--window-start", help="when the exposure may have begun (ISO 8601)")
        new.add_argument("--window-end", help="when it ended, or when the copy was taken (ISO 8601)")
        new.add_argument("--keys-exposed", required=True, choices=list(KEYS),
                         help="were keys exposed too: none, the keystore, the root key, or both (no default: "
                              "answer it)")
        new.add_argument("--detected-by", default=DetectedBy.CONTROLLER, choices=DetectedBy.values)
        new.add_argument("--recipients", default=Recipients.UNKNOWN, choices=Recipients.values)
        new.add_argument("--accidental", action="store_true", help="no malicious intent (an error, not an attack)")
        new.add_argument("--integrity-loss", default=Loss.NONE, choices=Loss.values)
        new.add_argument("--availability-loss", default=Loss.NONE, choices=Loss.values)
        new.add_argument("--contact-point", required=True, help="the DPO's e-mail or phone, for the report and notices")
        new.add_argument("--measures", default="", help="measures taken so far")
        listing = sub.add_parser("list", help="incidents with their 72-hour clocks")
        listing.add_argument("--clinic")
        for name, text in (("show", "one incident"), ("scope", "work out and store the scope and severity"),
                           ("report", "write the art. 33 report (PDF and JSON)"),
                           ("notify", "send the art. 34 notices (resumable)")):
            p = sub.add_parser(name, help=text)
            p.add_argument("incident", help="public id, or reference with --clinic")
            p.add_argument("--clinic")
            if name == "scope":
                p.add_argument("--people", action="store_true", help="list the people (opaque subject refs)")
            if name == "report":
                p.add_argument("--out", help="directory for the files")
                p.add_argument("--processor-notice", action="store_true",
                               help="the vendor's notice to the controller (art. 33(2)) instead")
                p.add_argument("--reported-at", help="record that the report was made (ISO 8601)")
                p.add_argument("--delay-reason", default="", help="why after 72 hours (art. 33(1))")
                p.add_argument("--controller-notified-at", help="record the processor's notice (ISO 8601)")
            if name == "notify":
                p.add_argument("--batch-size", type=int, default=200)
                p.add_argument("--force", action="store_true", help="notify even where the scope requires no notice")
                p.add_argument("--resend-in-doubt", action="store_true",
                               help="resend notices whose sender stopped inside the gateway call (check the "
                                    "gateway's delivery report first)")
                p.add_argument("--prepare-only", action="store_true")

    def handle(self, *args, action, **options):
        try:
            with translation.override("en"):  # operators read English; reports and notices are Polish anyway
                getattr(self, f"do_{action}")(**options)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def _incident(self, options) -> Incident:
        clinic = find_clinic(options["clinic"]) if options.get("clinic") else None
        return services.find_incident(options["incident"], clinic)

    def do_open(self, **o):
        clinics = [find_clinic(ref) for ref in o["clinic"]]
        keystore_exposed, root_exposed = KEYS[o["keys_exposed"]]
        case = None
        for clinic in clinics:
            incident = services.open_incident(
                clinic, summary=o["summary"], detected_at=_when(o["detected_at"]), source_kind=o["source"],
                source_ref=o["source_ref"], keystore_exposed=keystore_exposed, root_key_exposed=root_exposed,
                window_start=_when(o["window_start"]) if o["window_start"] else None,
                window_end=_when(o["window_end"]) if o["window_end"] else None, detected_by=o["detected_by"],
                recipients=o["recipients"], malicious=not o["accidental"], integrity_loss=o["integrity_loss"],
                availability_loss=o["availability_loss"], contact_point=o["contact_point"],
                measures_taken=o["measures"], case=case)
            case = incident.case
            clock = deadlines.clock(incident)
            self.stdout.write(f"opened {incident.reference} ({incident.public_id}) for {clinic.slug}; "
                              f"report due {timezone.localtime(clock.deadline):%Y-%m-%d %H:%M %Z} "
                              f"({clock.hours_left()} h left)")
        if len(clinics) > 1:
            self.stdout.write(f"vendor-wide case {case}: one incident per clinic (each clinic reports as controller)")

    def do_list(self, **o):
        if o.get("clinic"):
            with clinic_context(find_clinic(o["clinic"])):
                incidents = list(Incident.objects.order_by("-detected_at"))
        else:
            with cross_clinic("breach: list incidents (references, times and counts; no personal data)"):
                incidents = list(Incident.objects.order_by("-detected_at"))
        if not incidents:
            self.stdout.write("no incidents")
        for incident in incidents:
            clock = deadlines.clock(incident)
            state = ("reported" + (" late" if clock.overdue else "") if incident.reported_at else
                     "OVERDUE" if clock.overdue else f"{clock.hours_left()} h left")
            people = (incident.scope or {}).get("people", {}).get("patients", "?")
            self.stdout.write(f"{incident.public_id}  {incident.reference}  {incident.source_kind:<17} "
                              f"patients: {people:<6} report: {state}  case {incident.case}")

    def do_show(self, **o):
        incident = self._incident(o)
        self._describe(incident)

    def _describe(self, incident):
        clock = deadlines.clock(incident)
        out = self.stdout.write
        out(f"{incident.reference} ({incident.public_id}), case {incident.case}")
        out(f"source: {incident.source_kind} {incident.source_ref}; window {incident.window_start} .. "
            f"{incident.window_end}; keystore exposed: {incident.keystore_exposed}, root key exposed: "
            f"{incident.root_key_exposed}")
        out(f"aware since {timezone.localtime(incident.detected_at):%Y-%m-%d %H:%M %Z}; report due "
            f"{timezone.localtime(clock.deadline):%Y-%m-%d %H:%M %Z}: "
            + ("OVERDUE" if clock.overdue else f"{clock.hours_left()} h left")
            + (f"; reported {incident.reported_at:%Y-%m-%d %H:%M}" if incident.reported_at else "")
            + ("; the reason for the delay is MISSING" if deadlines.delay_reason_missing(incident) else ""))
        data = incident.scope
        if not data:
            out("scope: not worked out yet (`klinika breach scope`)")
            return
        people = data["people"]
        out(f"scope ({data['method']}): {people['patients']} patients ({people['readable_patients']} readable), "
            f"{people['staff']} staff; readable: {data['readable']}; art. 34(3)(a) exemption: "
            f"{data['exemption_34_3_a']}; patient notice required: {data.get('notice_required')}")
        for code, counts in data["categories"].items():
            out(f"  {code:<13} people {counts['people']:>7}  records {counts['records']:>8}")
        for reason in data["reasons"]:
            out(f"  - {scoping.reason_text(reason)}")
        s = incident.severity
        out(f"severity (ENISA): SE = {s['dpc']['value']} x {s['ei']['value']} + {s['cb']['value']} = {s['score']} "
            f"-> {s['level']}")
        for name in ("dpc", "ei", "cb"):
            for code in s[name]["reasons"]:
                out(f"  {name}: {sev.reason_text(code)}")
        counts = services.progress_counts(incident)
        if counts["total"]:
            out("notices: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def do_scope(self, **o):
        incident = services.scope_incident(self._incident(o))
        self._describe(incident)
        if o["people"]:
            with clinic_context(incident.clinic_id):
                for person in incident.affected.order_by("kind", "subject_ref"):
                    self.stdout.write(f"{person.kind} {person.subject_ref} readable={person.readable} "
                                      + " ".join(f"{k}={v}" for k, v in person.records.items()))

    def do_report(self, **o):
        incident = self._incident(o)
        if o.get("reported_at"):
            incident = services.record_report(incident, reported_at=_when(o["reported_at"]),
                                              delay_reason=o["delay_reason"])
            self.stdout.write(f"recorded: reported to the authority at {incident.reported_at}")
        if o.get("controller_notified_at"):
            incident = services.record_controller_notified(incident, at=_when(o["controller_notified_at"]))
            self.stdout.write(f"recorded: controller notified at {incident.controller_notified_at}")
        if not o.get("out"):
            if not (o.get("reported_at") or o.get("controller_notified_at")):
                raise CommandError("say where to write the report: --out DIR")
            return
        kind = "processor" if o["processor_notice"] else "art33"
        if kind == "processor" and incident.detected_by != DetectedBy.VENDOR:
            raise CommandError("the processor's notice (art. 33(2)) is for incidents the vendor detected "
                               "(open with --detected-by vendor)")
        data = report.build(incident, kind)
        out = Path(o["out"])
        out.mkdir(parents=True, exist_ok=True)
        (out / report.file_name(data, "json")).write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                                          encoding="utf-8")
        (out / report.file_name(data, "pdf")).write_bytes(report.render_pdf(data))
        self.stdout.write(f"wrote {out / report.file_name(data, 'pdf')} and {report.file_name(data, 'json')}")
        if data["deadline"]["delay_reason_missing"]:
            self.stderr.write("the 72 hours have passed: the report must give the reasons for the delay "
                              "(--delay-reason)")

    def do_notify(self, **o):
        incident = self._incident(o)
        prepared = services.prepare_notices(incident, force=o["force"])
        self.stdout.write(f"notices: {prepared.sms} SMS, {prepared.email} e-mail prepared (or already there); "
                          f"{prepared.no_contact} people without a usable contact: reach them by a public "
                          "communication (art. 34(3)(c))")
        if o["prepare_only"]:
            return
        if o["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        console = Console(file=self.stdout._out, force_terminal=None)
        start = services.progress_counts(incident)
        with Progress(TextColumn("[bold]notices"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                      TextColumn("sent {task.fields[sent]} · failed {task.fields[failed]} · in doubt "
                                 "{task.fields[in_doubt]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=console) as bar:
            task = bar.add_task("notices", total=start["total"], completed=start[Notice.Status.SENT],
                                sent=start[Notice.Status.SENT], failed=start[Notice.Status.FAILED],
                                in_doubt=start[Notice.Status.IN_DOUBT])

            def progress(counts):
                bar.update(task, completed=counts[Notice.Status.SENT] + counts[Notice.Status.FAILED],
                           sent=counts[Notice.Status.SENT], failed=counts[Notice.Status.FAILED],
                           in_doubt=counts[Notice.Status.IN_DOUBT])

            result = services.send_notices(incident, batch_size=o["batch_size"], progress=progress,
                                           resend_in_doubt=o["resend_in_doubt"])
        counts = services.progress_counts(incident)
        self.stdout.write(f"this run: sent {result.sent}, failed {result.failed}; recovered from an interrupted "
                          f"run: {result.recovered_sent} already sent, {result.requeued} sent again now, "
                          f"{result.in_doubt} in doubt")
        self.stdout.write("all notices: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if counts[Notice.Status.FAILED] or counts[Notice.Status.IN_DOUBT]:
            self.stderr.write("some notices did not go out: run `klinika breach notify` again (failed ones are "
                              "retried); in-doubt ones only with --resend-in-doubt after checking the gateway")
