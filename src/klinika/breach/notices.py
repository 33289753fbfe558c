"""The art. 34 texts for the people concerned, in Polish (the clinic's language).

An SMS is short and names no specialty, diagnosis or reason for a visit (a text on a lock screen is
seen by others); it carries no link (a breach notice with a link is what a phisher would send next).
The e-mail names the categories of this person's data that were concerned, in general terms.

Consent: an art. 34 notice is a legal duty of the controller (art. 6(1)(c) GDPR), not marketing and
not a service message the patient opted into; the per-channel consents to reminders do not apply, so
every channel with a usable contact in the registry is used.
"""
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from klinika.breach import categories as cat

SMS_LIMIT = 320  # characters; with Polish letters an SMS part holds 67, so at most five parts


def _render(name: str, context: dict) -> str:
    if any(not isinstance(value, str) for value in context.values()):
        raise TypeError("notice templates take plain strings only, never model objects")
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(f"breach/notices/{name}.txt", context).strip()


def sms_text(clinic_name: str, contact_point: str, reference: str) -> str:
    return _render("sms", {"clinic": clinic_name, "contact": contact_point, "reference": reference})


def email_subject(clinic_name: str) -> str:
    return _render("email_subject", {"clinic": clinic_name})


def email_text(incident, clinic_name: str, categories: list[str]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        detected = formats.date_format(timezone.localtime(incident.detected_at), "DATE_FORMAT")
        labels = "\n".join(f"- {cat.label(c)}" for c in cat.CATEGORIES if c in categories and c != cat.STAFF)
        measures = incident.measures_taken if isinstance(incident.measures_taken, str) else ""
    return _render("email", {"clinic": clinic_name, "detected": detected, "categories": labels,
                             "measures": measures.strip() or "-", "contact": incident.contact_point,
                             "reference": incident.reference})
