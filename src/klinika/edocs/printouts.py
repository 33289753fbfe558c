"""PDF printouts for the patient: "informacja o e-recepcie", the e-referral information and the
patient's copy of an e-ZLA, each with the access code and a QR code of the document's id once
the platform has registered it. A printout made before that says so plainly and carries
neither: the code and the id would open nothing at a pharmacy or a booking desk yet.

Rendered with WeasyPrint from templates in templates/edocs/print/, in the clinic's language.
The PDF is made in memory and handed to the caller: it is never written to disk. Its file
name and metadata carry the document number only; the patient's name and PESEL are on the
page, where the official forms have them.
"""
import segno
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from klinika.edocs import rules, statuses
from klinika.edocs.models import DocKind, DocStatus

TEMPLATES = {DocKind.PRESCRIPTION: "edocs/print/prescription.html", DocKind.REFERRAL: "edocs/print/referral.html",
             DocKind.SICK_LEAVE: "edocs/print/sick_leave.html"}
FILE_PREFIX = {DocKind.PRESCRIPTION: "e-recepta", DocKind.REFERRAL: "e-skierowanie", DocKind.SICK_LEAVE: "e-zla"}


def registered(documents) -> bool:
    """Every document on the printout was confirmed by the platform."""
    return all(statuses.is_registered(d) for d in documents)


def qr_payload(kind, documents) -> str:
    """What the QR code says: the platform's id of the document; "" (no QR code) before registration,
    when no id exists that a pharmacy could look up."""
    first = documents[0]
    return first.platform_id if registered(documents) else ""


def qr_data_uri(payload: str) -> str:
    return segno.make(payload, error="m").svg_data_uri(scale=4, border=2)


def file_name(kind, documents) -> str:
    return f"{FILE_PREFIX[DocKind(kind)]}-{documents[0].number}.pdf"


def _rows(kind, documents) -> list[dict]:
    rows = []
    for document in documents:
        content = document.content if isinstance(document.content, dict) else {}
        row = {"document": document, "content": content}
        if kind == DocKind.PRESCRIPTION and content:
            row["valid_until"] = rules.valid_until(content)
            row["payment_label"] = rules.PAYMENT_LEVELS.get(content.get("payment_level", ""), "")
        rows.append(row)
    return rows


def render(kind, documents) -> bytes:
    return weasyprint.HTML(string=render_html(kind, documents)).write_pdf()


def render_html(kind, documents, *, printed_at=None, as_recorded: bool = False) -> str:
    """The printout's HTML. `printed_at` fixes the moment the page states (an archive is reproducible
    byte for byte); `as_recorded` prints any status as it stands (the handover export's copy of a draft
    or cancelled document must not read as signed)."""
    kind = DocKind(kind)
    first = documents[0]
    is_registered = registered(documents)
    status = DocStatus.SUBMITTED if is_registered else DocStatus.SIGNED
    if as_recorded and first.status not in (DocStatus.SIGNED, DocStatus.SUBMITTED):
        status = first.status
    # Before the platform confirmed, the code opens nothing: the printout must not look as if it did.
    code = (first.package.access_code if kind == DocKind.PRESCRIPTION else first.access_code) if is_registered else ""
    payload = qr_payload(kind, documents)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(TEMPLATES[kind], {
            "kind": kind, "rows": _rows(kind, documents), "first": first, "content": first.content,
            "patient": first.patient, "practitioner": first.practitioner, "clinic": first.clinic,
            "registered": is_registered, "platform": statuses.platform_name(kind),
            "status_text": statuses.describe(kind, status, many=len(documents) > 1),
            "pending": not is_registered and status == DocStatus.SIGNED,
            "access_code": code or "", "qr": qr_data_uri(payload) if payload else "", "qr_payload": payload,
            "printed_at": timezone.localtime(printed_at), "letter_codes": rules.LETTER_CODES,
            "indications": rules.INDICATIONS,
            "referral_kinds": rules.REFERRAL_KINDS,
        })
    return html
