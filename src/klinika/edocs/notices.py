"""The patient's access code by SMS or e-mail, through the notify services.

It is sent only once the platform has registered the document (the code works from then
on). The text names the clinic, the kind of document and the code, nothing else: no drug, no
diagnosis, no doctor's specialty (a phone's lock screen shows it to anyone nearby). The
patient's preferred channel is used when they agreed to it; otherwise nothing is sent and
the document's history says why (a printout made after registration carries the code too).
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils import translation

from klinika.edocs import statuses
from klinika.edocs.models import DocKind
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.notify.services import send_email, send_sms
from klinika.patients.models import ContactChannel
from klinika.tenancy.models import Clinic

PURPOSE = "access-code"


def channel_and_contact(patient) -> tuple[str, str, str]:
    """(channel, contact, why not): channel "" when the patient cannot or did not agree to be messaged."""
    if not patient.is_active or patient.merged_into_id:
        return "", "", "patient record inactive"
    channel = patient.preferred_channel
    try:
        if channel == ContactChannel.SMS and patient.consent_sms and patient.phone:
            return channel, to_msisdn(str(patient.phone)), ""
        if channel == ContactChannel.EMAIL and patient.consent_email and patient.email:
            validate_email(str(patient.email))
            return channel, str(patient.email), ""
    except ValidationError:
        return "", "", f"no usable {channel} contact"
    return "", "", f"no consent or no contact for {channel or 'any channel'}"


def message_context(clinic: Clinic, kind, code: str, has_pesel: bool) -> dict:
    """Everything the text may say: plain strings only, so a template cannot reach a model's data."""
    return {"clinic": clinic.name, "code": code, "kind": str(kind), "pesel": "1" if has_pesel else ""}


def render(name: str, context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(f"edocs/messages/{name}.txt", context).strip()


def send_access_code(kind, documents, *, user=None) -> OutboundMessage | None:
    """Send the unit's access code; None (and a note in the history) when the patient gets no message."""
    from klinika.edocs.services import event

    kind = DocKind(kind)
    first = documents[0]
    patient = first.patient
    code = first.package.access_code if kind == DocKind.PRESCRIPTION else first.access_code
    channel, contact, why_not = channel_and_contact(patient)
    if not all(statuses.is_registered(d) for d in documents):
        # A code the platform has not registered opens nothing at a pharmacy or a booking desk.
        channel, why_not = "", f"not registered by {statuses.platform_name(kind)} yet"
    if not channel or not code:
        for document in documents:
            event(kind, document, document.status, document.status, f"access code not sent: {why_not}", user)
        return None
    clinic = Clinic.objects.get(pk=first.clinic_id)
    context = message_context(clinic, kind, str(code), bool(patient.pesel))
    unit = first.package_id if kind == DocKind.PRESCRIPTION else first.pk
    reference = f"edocs:{kind}:{unit}"
    if channel == ContactChannel.SMS:
        message = send_sms(clinic, patient.subject_ref, PURPOSE, contact, render("access_code_sms", context),
                           reference=reference)
    else:
        message = send_email(clinic, patient.subject_ref, PURPOSE, contact, render("access_code_email", context),
                             subject=render("access_code_email_subject", context), reference=reference)
    sent = message.status == OutboundMessage.Status.SENT
    for document in documents:
        detail = (f"access code sent by {channel} (message {message.pk})" if sent
                  else f"access code message {message.pk} failed: {message.error}")
        event(kind, document, document.status, document.status, detail, user)
    return message



