"""A patient offered a freed slot is told by SMS or e-mail, over the channel they agreed to, with a link to answer;
the text names the clinic, the time and the deadline, never the specialty, the doctor or the reason."""
import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.audit.context import Actor, acting_as
from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.scheduling import services
from klinika.scheduling.models import WaitlistEntry, WaitlistOffer
from klinika.scheduling.services import waitlist
from klinika.scheduling.services.reminders import hash_token
from klinika.scheduling.services.waitlist_offers import send_offer
from klinika.staff.models import Specialty
from tests.notify.booking import use_outbox
from tests.scheduling.clients import logged_in
from tests.scheduling.waitlist_offers import VISIT_REASON, cancel, link_path, visit_to_cancel, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.fixture
def freed(world, in_clinic):
    return visit_to_cancel(world)


def _offer(entry) -> WaitlistOffer:
    return WaitlistOffer.objects.get(entry=entry)


def test_an_sms_with_the_time_the_deadline_and_a_link_goes_to_the_patients_phone(
        world, people, freed, outbox, mailoutbox, settings, django_capture_on_commit_callbacks):
    entry = waiting(world, people, phone="+48 601 202 303")
    cancel(world, freed, django_capture_on_commit_callbacks)
    (sms,) = read_outbox(outbox)
    assert mailoutbox == []
    offer = _offer(entry)
    assert offer.status == WaitlistOffer.Status.SENT and offer.channel == "sms" and offer.sent_at is not None
    assert sms["to"] == to_msisdn("+48 601 202 303")
    starts, until = timezone.localtime(freed.starts_at), timezone.localtime(offer.expires_at)
    token = link_path(sms["text"]).split("/")[2]
    assert hash_token(token) == offer.token_hash
    assert sms["text"] == (f"{world.clinic.name}: zwolnił się termin wizyty {starts:%d.%m} o {starts:%H:%M}. "
                           f"Zarezerwuj lub odrzuć do {until:%d.%m %H:%M}: {settings.KLINIKA_PUBLIC_URL}/r/{token}/")
    assert offer.expires_at == WaitlistEntry.objects.get(pk=entry.pk).offer_expires_at


def test_a_patient_who_prefers_email_and_agreed_gets_an_email_and_no_sms(
        world, people, freed, outbox, mailoutbox, django_capture_on_commit_callbacks):
    entry = waiting(world, people, preferred_channel="email", consent_email=True, consent_sms=True,
                    email="oczekujaca@example.org")
    cancel(world, freed, django_capture_on_commit_callbacks)
    (mail,) = mailoutbox
    assert read_outbox(outbox) == []
    assert mail.to == ["oczekujaca@example.org"]
    assert mail.subject == f"Wcześniejszy termin wizyty: {world.clinic.name}"
    assert timezone.localtime(freed.starts_at).strftime("%H:%M") in mail.body and "/r/" in mail.body
    assert _offer(entry).channel == "email" and _offer(entry).status == WaitlistOffer.Status.SENT


@pytest.mark.parametrize("patient_fields", [
    {"preferred_channel": "sms", "consent_sms": False, "consent_email": True},
    {"preferred_channel": "sms", "consent_sms": True, "phone": ""},
    {"preferred_channel": "email", "consent_email": False, "consent_sms": True},
    {"preferred_channel": "none", "consent_sms": True, "consent_email": True},
], ids=["no-sms-consent", "no-phone", "no-email-consent-other-channel-agreed", "wants-none"])
def test_without_consent_to_the_preferred_channel_nothing_is_sent(
        world, people, freed, outbox, mailoutbox, patient_fields, django_capture_on_commit_callbacks):
    entry = waiting(world, people, **patient_fields)
    cancel(world, freed, django_capture_on_commit_callbacks)
    assert read_outbox(outbox) == [] and mailoutbox == []
    assert not OutboundMessage.objects.exists()
    offer = _offer(entry)
    assert offer.status == WaitlistOffer.Status.SKIPPED and offer.token_hash is None and offer.channel == ""
    # The offer itself stands: the desk sees it on the waitlist and can phone.
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistEntry.Status.OFFERED


def _forbidden(world, freed, patient) -> list[str]:
    staff = world.gyn.staff
    words = [VISIT_REASON, "ciąża", "poronieni", staff.first_name, staff.last_name, world.gyn.title,
             patient.first_name, patient.last_name, patient.pesel, world.follow_up.name, "ginekolog", "położni"]
    for specialty in Specialty.objects.filter(code__in=["0724", "0787"]):
        words += [specialty.name, specialty.name_en, specialty.code]
        words += [w for w in specialty.name.split() if len(w) > 3]
    return [w for w in words if w]


def test_no_text_names_the_specialty_the_doctor_the_visit_or_the_reason(
        world, people, freed, outbox, mailoutbox, django_capture_on_commit_callbacks):
    world.gyn.specialties.add(Specialty.objects.get(code="0787"))
    by_sms = waiting(world, people)
    cancel(world, freed, django_capture_on_commit_callbacks)
    by_mail = waiting(world, people, preferred_channel="email", consent_email=True, email="druga@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # the desk declines: the next one is told by e-mail
        waitlist.decline_offer(world.users[Role.REGISTRAR], by_sms.pk)
    (sms,), (mail,) = read_outbox(outbox), mailoutbox
    texts = {"sms": sms["text"], "mail subject": mail.subject, "mail body": mail.body}
    forbidden = _forbidden(world, freed, by_sms.patient) + _forbidden(world, freed, by_mail.patient)
    for part, text in texts.items():
        text = re.sub(r"/r/[A-Za-z0-9_-]+/", "/r/TOKEN/", text).casefold()  # random letters could spell a name
        leaked = [w for w in forbidden if w.casefold() in text]
        assert not leaked, f"the {part} names {leaked}"


def test_the_offer_and_its_message_are_audited(world, people, freed, outbox, django_capture_on_commit_callbacks):
    entry = waiting(world, people)
    registrar = world.users[Role.REGISTRAR]
    with acting_as(Actor(registrar.pk, registrar.role)):  # as in the desk's request; the message is sent as system
        cancel(world, freed, django_capture_on_commit_callbacks)
    offer, subject = _offer(entry), entry.patient.subject_ref
    events = list(AuditEvent.objects.filter(subject_ref=subject, object_type__in=["waitlist-offer", "message"])
                  .order_by("seq").values_list("action", "object_type", "actor_role", "reason"))
    message = OutboundMessage.objects.get()
    assert events == [
        ("create", "waitlist-offer", "registrar", f"waitlist entry {entry.pk}"),
        ("update", "waitlist-offer", "system:waitlist", "sending by sms"),
        ("export", "message", "system:waitlist", "sms waitlist-offer via file"),
    ]
    assert message.reference == f"waitlist-offer:{offer.pk}" and message.purpose == "waitlist-offer"


def test_an_offer_is_sent_once_however_often_its_task_runs(world, people, freed, outbox,
                                                           django_capture_on_commit_callbacks):
    entry = waiting(world, people)
    cancel(world, freed, django_capture_on_commit_callbacks)
    assert send_offer(_offer(entry).pk) is None
    assert len(read_outbox(outbox)) == 1


def test_an_offer_rolled_back_with_its_cancellation_sends_nothing(world, people, freed, outbox, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    waiting(world, people)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.cancel_appointment(world.users[Role.REGISTRAR], freed.pk, "pomyłka")
            raise RuntimeError("the request failed after the cancellation")
    assert read_outbox(outbox) == [] and mailoutbox == []
    assert not WaitlistOffer.objects.exists()


def test_the_desks_waitlist_page_says_whether_the_patient_was_told(world, people, freed, outbox,
                                                                   django_capture_on_commit_callbacks):
    told, not_told = waiting(world, people), waiting(world, people, consent_sms=False)
    cancel(world, freed, django_capture_on_commit_callbacks)
    later = services.book(world.users[Role.REGISTRAR], patient=world.patients[1], practitioner=world.gyn,
                          visit_type=world.follow_up, starts_at=freed.starts_at + datetime.timedelta(hours=1))
    cancel(world, later, django_capture_on_commit_callbacks)
    assert {e.status for e in WaitlistEntry.objects.filter(pk__in=[told.pk, not_told.pk])} == {"offered"}
    page = logged_in(world.users[Role.REGISTRAR], "pl").get("/schedule/waitlist/").content.decode()
    assert page.count("Pacjent został powiadomiony SMS-em.") == 1
    assert page.count("Pacjent nie został powiadomiony") == 1
