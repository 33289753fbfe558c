"""A reminder says which clinic, when, and where to answer: never the specialty, the doctor or the reason."""
import re

import pytest
from django.utils import timezone

from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.services.reminders import send_due_reminders
from klinika.staff.models import Specialty
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

pytestmark = pytest.mark.django_db

REASON = "Kontrola po leczeniu onkologicznym, ciąża 12 tydzień, <script>alert(1)</script>"


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


def _forbidden(doctor, patient) -> list[str]:
    words = [REASON, "onkolog", "ciąża", doctor.staff.first_name, doctor.staff.last_name, doctor.title,
             patient.first_name, patient.last_name, patient.pesel]
    for specialty in Specialty.objects.all():
        words += [specialty.name, specialty.name_en, specialty.code]
        words += [w for w in specialty.name.split() if len(w) > 3]  # "ginekologia" out of "położnictwo i ginekologia"
    return [w for w in words if w]


@pytest.fixture
def reminded(make_clinic, people, outbox, mailoutbox):
    clinic = make_clinic("Przychodnia Demo")
    with clinic_context(clinic):
        codes = list(Specialty.objects.values_list("code", flat=True))
        assert len(codes) > 20  # the whole national list is loaded
        doctor = add_practitioner(clinic, people, specialties=codes)
        by_sms = add_patient(people, phone="+48 600 100 234")
        by_mail = add_patient(people, preferred_channel="email", consent_email=True, email="x@example.org")
        first = book(by_sms, doctor, 2, hour=10, minute=30, reason=REASON)
        book(by_mail, doctor, 2, hour=11, minute=0, reason=REASON)
        assert send_due_reminders().sent == 2
        forbidden = _forbidden(doctor, by_sms) + _forbidden(doctor, by_mail)
    (sms,) = read_outbox(outbox)
    (mail,) = mailoutbox
    return {"clinic": clinic, "sms": sms["text"], "mail": mail, "forbidden": forbidden, "first": first}


def test_the_sms_is_exactly_clinic_date_time_and_link(reminded, settings):
    day = timezone.localtime(reminded["first"].starts_at).strftime("%d.%m")
    token = reminded["sms"].rsplit("/r/", 1)[1].rstrip("/")
    assert reminded["sms"] == (f"Przychodnia Demo: wizyta {day} o 10:30. Potwierdź lub odwołaj: "
                               f"{settings.KLINIKA_PUBLIC_URL}/r/{token}/")


@pytest.mark.parametrize("part", ["sms", "mail subject", "mail body"])
def test_no_specialty_reason_or_name_appears_in_any_text(reminded, part):
    text = {"sms": reminded["sms"], "mail subject": reminded["mail"].subject,
            "mail body": reminded["mail"].body}[part]
    text = re.sub(r"/r/[A-Za-z0-9_-]+/", "/r/TOKEN/", text).casefold()  # random letters could spell a name
    leaked = [w for w in reminded["forbidden"] if w.casefold() in text]
    assert not leaked, f"the {part} names {leaked}"
