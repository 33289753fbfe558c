"""In a real browser: a registrar of an ordinary (2FA) clinic registers a patient with a phone and SMS consent,
finds a free slot with a gynaecologist next week and books it; the gynaecologist then sees the visit, with its
reason, in her calendar. The reminder job then runs as production runs it (`klinika reminders enqueue`, the
task), the file SMS backend receives one text that names neither the specialty, the doctor, the reason nor the
patient's diagnosis, and the patient confirms the visit through the text's link on her phone."""
import contextlib
import datetime
import io
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.patients.models import Patient
from klinika.records import services as records
from klinika.records.models import Code, CodeSystem
from klinika.scheduling.forms import monday_of
from klinika.scheduling.models import Appointment, AppointmentStatus, Reminder
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import local_date
from klinika.staff.models import Specialty
from klinika.tenancy.context import clinic_context
from klinika.testdata.synthetic import SyntheticPeople
from tests.accounts.logins import PASSWORD, enrol, totp_code
from tests.notify.booking import use_outbox
from tests.scheduling.world import build, next_weekday

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Kontrola po zabiegu <b>pilne</b>"
REASON_WORDS = ("Kontrola", "zabieg", "pilne")
DIAGNOSIS = ("N80.0", "Endometrioza macicy")
# The clinic's setting, at its maximum: next week's Monday is within it from Wednesday on.
REMINDER_DAYS_AHEAD = 5
# "Obstetrics and gynaecology" in any Polish case or derived word (ginekologa, położniczy, położnej…),
# with and without diacritics, and in English.
SPECIALTY_WORDS = re.compile(r"ginekolog|po[łl]o[żz]n|gyn(a)?ecolog|obstetric", re.IGNORECASE)


def _watch(page, messages):
    """Collect CSP violations and failed loads of the pages' own resources (the browser's favicon probe aside)."""
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.on("response", lambda response: messages.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)


@pytest.fixture
def console(page):
    messages = []
    _watch(page, messages)
    return messages


@pytest.fixture
def sms_outbox(settings, tmp_path, live_server):
    """The file SMS backend writing to this test's own outbox; reply links point at the live server."""
    settings.KLINIKA_PUBLIC_URL = live_server.url
    return use_outbox(settings, tmp_path)


@pytest.fixture
def patients_phone(browser, live_server, console):
    """The patient's own browser: no staff session, a phone-sized screen."""
    context = browser.new_context(base_url=live_server.url, locale="pl-PL", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    phone = context.new_page()
    _watch(phone, console)
    yield phone
    context.close()


def _adult_woman() -> dict:
    people = SyntheticPeople(seed=78)
    while True:
        person = people.patient()
        if person["sex"] == "F" and 20 <= (timezone.localdate() - person["birth_date"]).days // 366 <= 60:
            return person


def _log_in(page, user, device):
    page.goto("/login/")
    page.get_by_label("Login").fill(user.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", name="Weryfikacja dwuetapowa")).to_be_visible()
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(totp_code(device))
    page.get_by_role("button", name="Potwierdź").click()
    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()


def _register(page, person, phone):
    """The registration form, with the phone typed as the desk hears it and SMS chosen and consented to."""
    page.goto("/patients/new/")
    page.get_by_label("Imię").fill("Zofia")
    page.get_by_label("Nazwisko").fill("Brzęczyszczykiewicz-O'Connor")
    page.get_by_label("PESEL", exact=True).fill(person["pesel"])
    page.get_by_label("Nazwisko").focus()
    expect(page.locator("#id_birth_date")).to_have_value(person["birth_date"].isoformat())
    page.get_by_label("Telefon").fill(phone)
    page.get_by_label("Zgoda na wiadomości SMS (przypomnienia)").check()
    page.get_by_label("Preferowany kanał kontaktu").select_option("sms")
    page.get_by_role("button", name="Zarejestruj", exact=True).click()
    expect(page.get_by_role("heading", name="Brzęczyszczykiewicz-O'Connor Zofia")).to_be_visible()


def _book_first_slot(page, world, person, monday, screenshot):
    page.goto("/schedule/book/")
    page.locator("#id_specialty").select_option("0724")
    page.locator("#id_visit_type").select_option(str(world.first_visit.pk))
    page.locator("#id_week").fill(monday.isoformat())
    page.get_by_role("button", name="Znajdź wolne terminy").click()
    first_slot = page.locator("#slots a.slot").first
    expect(first_slot).to_be_visible()
    expect(page.locator(f'#slots section[data-date="{monday.isoformat()}"]')).to_be_visible()
    screenshot(page, "book-slots")
    starts = first_slot.get_attribute("data-starts")
    assert starts.startswith(monday.isoformat() + "T08:00")
    first_slot.click()

    expect(page.get_by_role("heading", name="Potwierdź rezerwację")).to_be_visible()
    page.get_by_label("Znajdź pacjenta (PESEL, nazwisko, telefon…)").fill(person["pesel"])
    page.get_by_role("button", name="Szukaj").click()
    choice = page.locator('#patient-results input[name="patient"]')
    expect(choice).to_have_count(1)
    choice.check()
    page.get_by_label("Powód wizyty (widzi go tylko lekarz i pielęgniarka)").fill(REASON)
    screenshot(page, "book-confirm")
    page.get_by_role("button", name="Umów", exact=True).click()

    expect(page.get_by_role("heading", name="Wizyta")).to_be_visible()
    expect(page.get_by_text("Wizyta umówiona.")).to_be_visible()
    expect(page.locator(".appointment-card")).to_contain_text("Brzęczyszczykiewicz-O'Connor Zofia")
    expect(page.locator(".appointment-card")).not_to_contain_text("Kontrola po zabiegu")
    screenshot(page, "appointment")


def _doctor_sees_the_visit(page, monday, screenshot):
    page.goto("/schedule/my/")
    page.get_by_role("link", name="tydzień", exact=True).click()
    page.get_by_role("link", name="następny tydzień →").click()
    day = page.locator(f'td.cell-visit[data-date="{monday.isoformat()}"]')
    expect(day).to_contain_text("Brzęczyszczykiewicz-O'Connor Zofia")
    expect(day).to_contain_text("08:00")
    expect(day.locator(".reason")).to_have_text(REASON)
    screenshot(page, "doctor-calendar")


def _diagnose(clinic, doctor, patient):
    """An earlier signed visit with a gynaecological diagnosis, so the SMS has one it could leak."""
    with clinic_context(clinic):
        code, name = DIAGNOSIS
        if not Code.objects.filter(system=CodeSystem.ICD10, code=code).exists():
            Code(system=CodeSystem.ICD10, code=code, name=name, search_text=f"{code.lower()} {name.lower()}").save()
        encounter = records.start_encounter(doctor, patient_id=patient.pk)
        records.sign(doctor, encounter.pk, {"interview": "Bolesne miesiączki.",
                                            "diagnoses": [{"code": code, "main": True}]})


@contextlib.contextmanager
def _clock_moved_forward(days: int):
    """Every reading of django.utils.timezone.now moves `days` ahead: the job runs that many days later.

    The clinic's setting allows at most 5 days ahead, and on a Monday or Tuesday next week's Monday
    is further away; the job then runs on the first day it would pick the visit up in production.
    """
    if days <= 0:
        yield
        return
    real_now = timezone.now
    with mock.patch.object(timezone, "now", lambda: real_now() + datetime.timedelta(days=days)):
        yield


def _run_the_reminder_job(clinic, monday):
    days_to_visit = (monday - local_date(timezone.now())).days
    out = io.StringIO()
    with _clock_moved_forward(days_to_visit - REMINDER_DAYS_AHEAD):
        call_command("reminders", "enqueue", "--clinic", clinic.slug, stdout=out)
    # The test settings run tasks at once (ImmediateBackend): the task has finished when enqueue returns.
    assert re.fullmatch(rf"{clinic.slug}: queued \(task \S+, SUCCESSFUL\)\n", out.getvalue()), out.getvalue()


def _assert_names_nothing_clinical(text, *, doctor, reason_words, patient):
    lowered = text.lower()
    assert not SPECIALTY_WORDS.search(text), text
    for specialty in Specialty.objects.filter(code="0724"):
        assert specialty.name.lower() not in lowered and specialty.name_en.lower() not in lowered
    staff = doctor.staff
    for name in (staff.first_name, staff.last_name):
        assert name.lower() not in lowered, "the doctor's name is in the text"
    for word in reason_words:
        assert word.lower() not in lowered, "the reason for the visit is in the text"
    code, name = DIAGNOSIS
    assert code[:3].lower() not in lowered and name.split()[0][:10].lower() not in lowered, \
        "the diagnosis is in the text"
    assert patient.last_name.lower() not in lowered and patient.pesel not in text


def test_a_registrar_books_a_gynaecologist_next_week_the_doctor_sees_it_and_the_patient_confirms_by_sms(
        page, console, make_clinic, screenshot, live_server, sms_outbox, patients_phone, purge_signed_versions):
    clinic = make_clinic("Przychodnia Pod Lipami")
    assert not clinic.is_demo
    world = build(clinic, SyntheticPeople(seed=77), patients=0)
    registrar, doctor, admin = world.users["registrar"], world.users["doctor"], world.users["clinic_admin"]
    registrar_device, doctor_device = enrol(registrar), enrol(doctor)
    with clinic_context(clinic):
        setup_services.update_settings(admin, reminder_days_ahead=REMINDER_DAYS_AHEAD, planning_horizon_days=90)
    person = _adult_woman()
    monday = next_weekday(0)
    assert monday_of(monday) == monday and monday > local_date(timezone.now())

    _log_in(page, registrar, registrar_device)
    _register(page, person, "795 847 992")
    with clinic_context(clinic):
        patient = Patient.objects.get()
    assert (patient.phone, patient.consent_sms, patient.preferred_channel) == ("+48 795 847 992", True, "sms")
    _book_first_slot(page, world, person, monday, screenshot)

    page.get_by_role("button", name="Wyloguj się").click()
    _log_in(page, doctor, doctor_device)
    _doctor_sees_the_visit(page, monday, screenshot)
    _diagnose(clinic, doctor, patient)

    _run_the_reminder_job(clinic, monday)

    outbox = read_outbox(sms_outbox)
    assert [sms["to"] for sms in outbox] == [to_msisdn(patient.phone)]
    text = outbox[0]["text"]
    assert f"{monday:%d.%m}" in text and "08:00" in text
    links = re.findall(r"https?://\S+", text)
    assert len(links) == 1 and links[0].startswith(f"{live_server.url}/r/"), text
    _assert_names_nothing_clinical(text, doctor=doctor, reason_words=REASON_WORDS, patient=patient)
    with clinic_context(clinic):
        appointment = Appointment.objects.get()
        reminder = Reminder.objects.get()
        message = OutboundMessage.objects.get()
    assert reminder.appointment_id == appointment.pk and reminder.status == Reminder.Status.SENT
    assert reminder.channel == "sms" and reminder.response == Reminder.Response.NONE
    assert message.status == OutboundMessage.Status.SENT and message.subject_ref == patient.subject_ref

    patients_phone.goto(links[0])
    expect(patients_phone.get_by_role("heading", name="Twoja wizyta")).to_be_visible()
    card = patients_phone.locator(".reminder-reply")
    expect(card).to_contain_text("Przychodnia Pod Lipami")
    expect(card).to_contain_text("08:00")
    for hidden in ("Brzęczyszczykiewicz", "Kontrola", doctor.staff.last_name):
        expect(card).not_to_contain_text(hidden)
    assert not SPECIALTY_WORDS.search(card.inner_text())
    screenshot(patients_phone, "reminder-link")
    patients_phone.get_by_role("button", name="Potwierdź").click()
    expect(patients_phone.get_by_role("status")).to_contain_text("Wizyta potwierdzona.")
    expect(patients_phone.get_by_role("button", name="Potwierdź")).to_have_count(0)
    expect(patients_phone.get_by_role("button", name="Odwołaj wizytę")).to_be_visible()
    screenshot(patients_phone, "reminder-confirmed")

    with clinic_context(clinic):
        reminder.refresh_from_db()
        appointment.refresh_from_db()
        confirmed = AuditEvent.objects.filter(object_type="reminder", object_id=str(reminder.pk),
                                              action="update", actor_role="patient-link")
        assert confirmed.count() == 1
    assert reminder.response == Reminder.Response.CONFIRMED and reminder.responded_at is not None
    # Confirming keeps the visit booked (cancelling through the same page is what would free it).
    assert appointment.status == AppointmentStatus.BOOKED
    assert not console, console

