"""Telling a waitlisted patient about a freed slot, and their answer through the link in the message.

The rules are the reminders' (reminders.py): only the patient's preferred channel, only with
consent to it; the text carries the clinic's name, the date and time, how long the offer
stands and the link, nothing else: never the doctor, the specialty or the reason.

The message goes out after the offer commits, from a task (no network call inside the
transaction that cancelled a visit). A run claims the offer by moving it from "queued" to
"sending" with a conditional update, so the same offer is never sent twice.

As with a reminder, the link's token is the patient's authority: it shows this offer's
clinic, date and time and, while the offer is open, books it or lets it go; every use is
audited with the actor role "patient-link". Booking goes through the waitlist's service,
so the database's no-overlap guard applies: a time someone else took first gives a page
that says so, and the patient stays on the waitlist.
"""
import datetime
import secrets
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date

from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.notify import texts
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms
from klinika.patients.models import ContactChannel
from klinika.scheduling.models import AppointmentStatus, WaitlistEntry, WaitlistOffer
from klinika.scheduling.services import waitlist
from klinika.scheduling.services.reminders import channel_and_contact, hash_token, is_token, reply_link
from klinika.tenancy.context import cross_clinic
from klinika.tenancy.models import Clinic

PURPOSE = "waitlist-offer"
OFFER_ACTOR = Actor(None, "system:waitlist")
Offer = WaitlistOffer


def send_after_commit(offer: WaitlistOffer) -> None:
    """Queue the offer's message for when the transaction that made the offer commits."""
    from klinika.scheduling.tasks import send_waitlist_offer

    clinic_id, offer_id = str(offer.clinic_id), offer.pk
    # robust: the offer stands (the desk sees it on the waitlist) even if its message cannot be queued.
    transaction.on_commit(lambda: send_waitlist_offer.enqueue(clinic_id, offer_id), robust=True)


def send_offer(offer_id) -> WaitlistOffer | None:
    """Send the message of one offer; None if it is not waiting to be sent (another run has it)."""
    offer = Offer.objects.select_related("entry__patient").filter(pk=offer_id, status=Offer.Status.QUEUED).first()
    if offer is None:
        return None
    patient = offer.entry.patient
    if _state(offer, offer.entry) == "open":
        channel, contact, why_not = channel_and_contact(patient)
    else:
        channel, contact, why_not = "", "", "the offer is no longer open"
    token = secrets.token_urlsafe(32) if channel else None
    with transaction.atomic():
        claimed = Offer.objects.filter(pk=offer.pk, status=Offer.Status.QUEUED).update(
            status=Offer.Status.SENDING if channel else Offer.Status.SKIPPED, channel=channel,
            token_hash=hash_token(token) if token else None)
        if not claimed:
            return None
        record(Action.UPDATE, object_type="waitlist-offer", object_id=offer.pk, subject_ref=patient.subject_ref,
               reason=f"sending by {channel}" if channel else f"not sent, {why_not}")
    offer.refresh_from_db()
    if not channel:
        return offer

    clinic = Clinic.objects.get(pk=offer.clinic_id)
    message = _send(clinic, patient.subject_ref, channel, contact, offer, token)
    with transaction.atomic():
        offer.status = Offer.Status.SENT if message.status == OutboundMessage.Status.SENT else Offer.Status.FAILED
        offer.sent_at = message.sent_at
        offer.save(update_fields=["status", "sent_at"])
    return offer


def message_context(clinic: Clinic, offer: WaitlistOffer, token: str) -> dict[str, str]:
    """Everything an offer's text may say: the clinic, the date, the time, until when, the link. Nothing else."""
    starts, until = timezone.localtime(offer.starts_at), timezone.localtime(offer.expires_at)
    return {"clinic": clinic.name, "date": format_date(starts, "d.m"), "time": format_date(starts, "H:i"),
            "until": format_date(until, "d.m H:i"), "link": reply_link(token)}


def _send(clinic, subject_ref, channel, contact, offer, token) -> OutboundMessage:
    context = message_context(clinic, offer, token)
    reference = f"waitlist-offer:{offer.pk}"
    if channel == ContactChannel.SMS:
        return send_sms(clinic, subject_ref, PURPOSE, contact, texts.render("waitlist_offer_sms", context),
                        reference=reference)
    return send_email(clinic, subject_ref, PURPOSE, contact, texts.render("waitlist_offer_email", context),
                      subject=texts.render("waitlist_offer_email_subject", context), reference=reference)


# --- the link ------------------------------------------------------------------------------------


@dataclass
class OfferPage:
    clinic_name: str
    starts_at: datetime.datetime
    expires_at: datetime.datetime
    # open | booked | declined | taken | cancelled | unavailable | expired
    state: str

    @property
    def can_answer(self) -> bool:
        return self.state == "open"


class OfferClosed(Exception):
    """The offer can no longer be answered: `page` says why."""

    def __init__(self, page: OfferPage):
        super().__init__(page.state)
        self.page = page


def find_by_token(token: str) -> tuple | None:
    """(clinic id, offer id) for a link token, or None. Reads ids only, across clinics."""
    if not is_token(token):
        return None
    with cross_clinic("waitlist offer link: find the clinic of a token hash (ids only)"):
        return Offer.objects.filter(token_hash=hash_token(token)).values_list("clinic_id", "pk").first()


def offer_page(offer_id) -> OfferPage:
    """What the link shows: the clinic, date and time, and where the offer stands."""
    with transaction.atomic():
        offer, entry = _load(offer_id)
        record(Action.READ, object_type="waitlist-offer", object_id=offer.pk, subject_ref=entry.patient.subject_ref,
               reason="offer link opened")
        return _page(offer, entry)


def accept_by_patient(offer_id) -> OfferPage:
    """Book the offered time for the patient; if someone took it first, the page says so (state "taken")."""
    with transaction.atomic():
        offer, entry = _load(offer_id, lock=True)
        page = _page(offer, entry)
        if not page.can_answer:
            raise OfferClosed(page)
        try:
            appointment = waitlist.book_offer(None, entry)
        except ValidationError:
            # e.g. the patient has been booked elsewhere at that time since: not for the link to sort out.
            raise OfferClosed(replace(page, state="unavailable")) from None
        _answer(offer, entry, Offer.Response.ACCEPTED if appointment else Offer.Response.TAKEN,
                "offer accepted through the link" if appointment else
                "offer accepted through the link, but the time was taken")
        return _page(offer, entry)


def decline_by_patient(offer_id) -> OfferPage:
    """The patient keeps waiting; the time is offered to the next in line (who gets a message of their own)."""
    with transaction.atomic():
        offer, entry = _load(offer_id, lock=True)
        page = _page(offer, entry)
        if not page.can_answer:
            raise OfferClosed(page)
        waitlist.pass_offer_on(entry, "offer declined through the link")
        _answer(offer, entry, Offer.Response.DECLINED, "offer declined through the link")
        return _page(offer, entry)


def _answer(offer, entry, response, why):
    offer.response, offer.responded_at = response, timezone.now()
    offer.save(update_fields=["response", "responded_at"])
    record(Action.UPDATE, object_type="waitlist-offer", object_id=offer.pk, subject_ref=entry.patient.subject_ref,
           reason=why)


def _load(offer_id, lock=False) -> tuple[WaitlistOffer, WaitlistEntry]:
    offers = Offer.objects.select_for_update() if lock else Offer.objects
    offer = offers.get(pk=offer_id)
    if lock:
        return offer, waitlist.locked_entry(offer.entry_id)
    return offer, WaitlistEntry.objects.select_related("patient", "appointment").get(pk=offer.entry_id)


def _state(offer, entry, now=None) -> str:
    if offer.response in (Offer.Response.DECLINED, Offer.Response.TAKEN):
        return offer.response
    latest = not Offer.objects.filter(entry_id=offer.entry_id, pk__gt=offer.pk).exists()
    # An entry is booked only from its latest offer: by this link, or by the desk on the phone.
    if offer.response == Offer.Response.ACCEPTED or (latest and entry.status == WaitlistEntry.Status.BOOKED):
        appointment = entry.appointment
        return "cancelled" if appointment is None or appointment.status == AppointmentStatus.CANCELLED else "booked"
    if latest and waitlist.offer_is_open(entry, now):
        return "open"
    return "expired"


def _page(offer, entry) -> OfferPage:
    return OfferPage(Clinic.objects.get(pk=offer.clinic_id).name, offer.starts_at, offer.expires_at,
                     _state(offer, entry))
