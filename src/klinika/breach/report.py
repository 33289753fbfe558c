"""The art. 33 notification draft (JSON and a PDF in Polish) and the processor's notice to the controller.

Art. 33(3) GDPR lists what a notification holds: the nature of the breach, the categories and
approximate numbers of people and of records, the DPO's contact, the likely consequences, and the
measures taken and proposed. Art. 33(1): within 72 hours of awareness, or with the reasons for the
delay. Art. 33(2): a processor tells the controller without undue delay: the vendor's notice to each
clinic when the vendor detected the breach.

Both documents hold counts, categories and codes, no person's data; they are built in memory and
handed to the caller (the CLI writes them where the operator says, the DPO's screen downloads them).
"""
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klinika.breach import categories as cat
from klinika.breach import deadlines, severity
from klinika.breach import scope as scoping
from klinika.breach.models import DetectedBy, Notice, SourceKind
from klinika.tenancy.models import Clinic

FORMAT = "klinika-breach-report/1"
KINDS = {"art33": gettext_lazy("Notification of a personal data breach to the supervisory authority "
                               "(art. 33 GDPR) - draft"),
         "processor": gettext_lazy("Notice of a personal data breach from the processor to the controller "
                                   "(art. 33(2) GDPR)")}


def _consequences(data: dict) -> list[str]:
    categories = set(data.get("categories", {}))
    if not data.get("readable"):
        return [_("No likely consequences for the people concerned: the data was unintelligible to whoever "
                  "holds it (encrypted, keys not exposed). What is readable without keys (appointment times, "
                  "practitioner references) is tied to opaque ids only.")]
    found = []
    if cat.IDENTIFIERS in categories:
        found.append(_("Identity theft: a loan or a contract taken out with the person's PESEL number and name."))
    if cat.CONTACT in categories:
        found.append(_("Phishing and fraud: messages or calls pretending to be the clinic, a bank or an office."))
    if categories & cat.HEALTH_CATEGORIES:
        found.append(_("Disclosure of health information (visits, specialties, diagnoses, prescriptions): "
                       "distress, stigma, discrimination."))
    if cat.STAFF in categories:
        found.append(_("Staff: phishing aimed at their accounts, disclosure of their contact data."))
    return found


def _proposed(incident, data: dict) -> list[str]:
    measures = []
    if data.get("notice_required"):
        measures.append(_("Notify the people concerned (art. 34 GDPR) by SMS and e-mail, with advice to reserve "
                          "their PESEL number in mObywatel and to beware of phishing."))
    if incident.keystore_exposed or incident.root_key_exposed:
        measures.append(_("Rotate the root key and the clinic keys; destroy the old root key generation."))
    if incident.source_kind in (SourceKind.DATABASE_COPY, SourceKind.BACKUP):
        measures.append(_("Reset the staff's passwords (their Argon2 hashes are in the copy) and sign every "
                          "session out."))
    if incident.source_kind == SourceKind.ACCOUNT:
        measures.append(_("Block the account, reset its password and two-factor device, review its grants."))
    measures.append(_("Find and remove the copy where possible; review how it came to exist."))
    return measures


def build(incident, kind: str = "art33", now=None) -> dict:
    """The report as a JSON-serialisable dict, texts in the clinic's language (Polish)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}")
    if not incident.scope:
        raise ValueError("work out the scope first (`klinika breach scope`)")
    now = now or timezone.now()
    clinic = Clinic.objects.get(pk=incident.clinic_id)
    clock = deadlines.clock(incident, now)
    data = incident.scope
    with translation.override(settings.LANGUAGE_CODE):
        categories = [{"code": code, "label": cat.label(code), **counts}
                      for code, counts in data.get("categories", {}).items()]
        sev = incident.severity or {}
        report = {
            "format": FORMAT, "kind": kind, "title": str(KINDS[kind]), "generated_at": now.isoformat(),
            "controller": {"id": str(clinic.pk), "name": clinic.name},
            "incident": {
                "reference": incident.reference, "public_id": str(incident.public_id), "case": str(incident.case),
                "nature": incident.summary if isinstance(incident.summary, str) else "",
                "detected_at": incident.detected_at.isoformat(), "detected_by": incident.detected_by,
                "detected_by_label": str(DetectedBy(incident.detected_by).label),
                "window": {"start": incident.window_start.isoformat() if incident.window_start else None,
                           "end": incident.window_end.isoformat() if incident.window_end else None},
                "source": {"kind": incident.source_kind, "label": str(SourceKind(incident.source_kind).label),
                           "reference": incident.source_ref},
                "keystore_exposed": incident.keystore_exposed, "root_key_exposed": incident.root_key_exposed,
            },
            "deadline": clock.as_dict() | {"delay_reason": incident.delay_reason or "",
                                           "delay_reason_missing": deadlines.delay_reason_missing(incident, now)},
            "dpo_contact": incident.contact_point,
            "people": {**data.get("people", {}), "approximate": data.get("method") == "estimate"},
            "records_total": sum(c.get("records", 0) for c in data.get("categories", {}).values()),
            "categories": categories,
            "scope_method": data.get("method"),
            "readable": data.get("readable"), "exemption_34_3_a": data.get("exemption_34_3_a"),
            "reasoning": [scoping.reason_text(r) for r in data.get("reasons", [])],
            "severity": {
                "score": sev.get("score"), "level": sev.get("level"),
                "level_label": str(severity.LEVEL_LABELS.get(sev.get("level"), "")),
                **{name: {"value": sev.get(name, {}).get("value"),
                          "reasons": [severity.reason_text(c) for c in sev.get(name, {}).get("reasons", [])]}
                   for name in ("dpc", "ei", "cb")}},
            "likely_consequences": _consequences(data),
            "measures_taken": incident.measures_taken if isinstance(incident.measures_taken, str) else "",
            "measures_proposed": _proposed(incident, data),
            "patient_notice": {"required": bool(data.get("notice_required")),
                               "notices": _notice_counts(incident)},
            "reported_at": incident.reported_at.isoformat() if incident.reported_at else None,
        }
        if kind == "processor":
            report["controller_notified_at"] = (incident.controller_notified_at.isoformat()
                                                if incident.controller_notified_at else None)
    return report


def _notice_counts(incident) -> dict:
    from django.db.models import Count

    from klinika.tenancy.context import clinic_context

    with clinic_context(incident.clinic_id):
        rows = Notice.objects.filter(incident=incident).values_list("channel", "status").annotate(n=Count("pk"))
        counts: dict = {}
        for channel, status, n in rows:
            counts.setdefault(channel, {})[status] = n
    return counts


def render_pdf(report: dict) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("breach/report/report.html", {"r": report})
    return weasyprint.HTML(string=html).write_pdf()


def file_name(report: dict, extension: str) -> str:
    prefix = "zgloszenie-art33" if report["kind"] == "art33" else "zawiadomienie-administratora"
    return f"{prefix}-{report['incident']['reference']}.{extension}"
