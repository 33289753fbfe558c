"""The deletion certificate as a PDF for people (Polish and English), carrying the signed JSON
as an embedded file and signed itself (see certificate.py)."""
import json

import weasyprint
from django.template.loader import render_to_string

from klinika.lifecycle.termination import certificate as signed


def certificate_pdf(document: bytes) -> bytes:
    data = json.loads(document)
    html = render_to_string("lifecycle/termination/certificate_pdf.html", {
        "c": data, "steps": data.get("steps", {}), "rows": sorted(data.get("rows_removed", {}).items()),
        "keys": data.get("destroyed_keys", {}), "kept": sorted(data.get("kept", {}).get("tables", {}).items()),
        "json_text": document.decode("utf-8"),
    })
    attachment = weasyprint.Attachment(string=document.decode("utf-8"), name=signed.PDF_ATTACHMENT,
                                       description="Signed deletion certificate (canonical JSON)")
    pdf = weasyprint.HTML(string=html).write_pdf(attachments=[attachment])
    return signed.sign_pdf(pdf)


def statement_pdf(document: bytes) -> bytes:
    data = json.loads(document)
    html = render_to_string("lifecycle/termination/statement_pdf.html", {"c": data})
    attachment = weasyprint.Attachment(string=document.decode("utf-8"), name=signed.PDF_ATTACHMENT,
                                       description="Signed backup statement (canonical JSON)")
    return signed.sign_pdf(weasyprint.HTML(string=html).write_pdf(attachments=[attachment]))
