"""A doctor opens today's appointment, records the visit with a diagnosis from the type-ahead, issues a
two-drug e-prescription and an e-referral and signs them. As in production, signing only queues the
submission: the panel and the printout say "waiting to be sent to P1" and carry no access code until
the worker has run; then they say "sent to P1 (confirmed)", the printout has the code and the patient
gets it by SMS (the file outbox), without the drug's name."""
import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from klinika.edocs.models import Drug
from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.models import Appointment, AppointmentStatus, VisitType
from klinika.tenancy.context import clinic_context
from tests.accounts.logins import PASSWORD
from tests.edocs.world import add_codes, make_doctor, make_patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued_tasks(settings):
    """Tasks wait in the database for `klinika worker`, as in production (not run inside the request)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _pdf_text(download) -> str:
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    return " ".join(" ".join(p.extract_text() for p in pdf.pages).split())


@pytest.fixture
def outbox(settings, tmp_path):
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.KLINIKA_SMS_BACKEND = "file"
    return tmp_path / "outbox"


def _builtin_drugs():
    """Earlier transactional tests empty every table, the migrations' data included: put the list back."""
    if not Drug.objects.exists():
        importlib.import_module("klinika.edocs.migrations.0005_builtin_drugs").add_drugs(apps, None)


def _today_appointment(demo_clinic, people):
    doctor, practitioner = make_doctor(demo_clinic, people)
    patient, data = make_patient(demo_clinic, people, consent_sms=True, preferred_channel="sms")
    add_codes(demo_clinic)
    now = timezone.now().replace(second=0, microsecond=0)
    with clinic_context(demo_clinic):
        kind = VisitType(code="kontrolna", name="Wizyta kontrolna", duration_minutes=15)
        kind.save()
        appointment = Appointment(patient=patient, practitioner=practitioner, visit_type=kind,
                                  starts_at=now - datetime.timedelta(minutes=5),
                                  ends_at=now + datetime.timedelta(minutes=10), status=AppointmentStatus.BOOKED)
        appointment.save()
    return doctor, patient, data, appointment


def test_the_doctor_issues_a_prescription_and_a_referral_in_the_visit(page, demo_clinic, people, outbox,
                                                                       queued_tasks):
    _builtin_drugs()
    doctor, patient, data, appointment = _today_appointment(demo_clinic, people)
    page.goto("/login/")
    page.get_by_label("Login").fill(doctor.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()

    page.goto("/schedule/today/")
    page.locator(f'tr[data-appointment="{appointment.pk}"] a').first.click()
    page.locator(f'form[action$="/records/appointments/{appointment.pk}/start/"] button').click()
    expect(page.locator("#id_icd10_q")).to_be_visible()
    page.wait_for_load_state()  # htmx wires the code search up on load; typing before that sends nothing

    page.locator("#id_icd10_q").fill("J06")
    page.locator("#icd10-results button", has_text="J06.9").first.click()
    expect(page.locator("#diagnosis-rows")).to_contain_text("J06.9")
    page.locator("#id_icd10_q").fill("")
    page.locator("#id_interview").fill("Ból gardła od 3 dni, gorączka 38,5°C.")
    page.locator('button[name="action"][value="save"]').click()

    panel = page.locator("#edocs-panel")
    expect(panel).to_be_visible()
    panel.locator('a[href$="/prescriptions/new/"]').click()
    page.locator('input[name="rx-1-drug_name"]').fill("Amox")
    page.locator("#rx-1-suggestions button", has_text="Amoxicillinum 500 mg").click()
    expect(page.locator("#rx-row-1 .drug-label")).to_have_text("Amoxicillinum")
    page.locator('input[name="rx-1-dosage"]').fill("1 kaps. co 8 godzin przez 7 dni")
    page.locator('button[name="add_row"]').click()
    # The second row arrives by htmx: type into it only once htmx has bound its type-ahead.
    page.wait_for_function("() => document.querySelector('input[name=\"rx-2-drug_name\"]')?.['htmx-internal-data']"
                           "?.listenerInfos?.length > 0")
    page.locator('input[name="rx-2-drug_name"]').fill("Paracetamolum")
    page.locator("#rx-2-suggestions button", has_text="Paracetamolum").click()
    expect(page.locator("#rx-row-2 .drug-label")).to_have_text("Paracetamolum")
    page.locator('input[name="rx-2-dosage"]').fill("1 tabl. do 4 razy na dobę przy gorączce")
    page.locator("#edocs-form form button[type=submit]:not([name])").click()
    package = panel.locator("article[id^=rx-package]").first
    expect(package).to_contain_text("Amoxicillinum")
    package.locator('form[action$="/sign/"] button').click()
    expect(panel.locator(".notice")).to_contain_text("Podpisano; dokument czeka na wysłanie do P1.")
    package = panel.locator("article[id^=rx-package]").first
    expect(package.locator(".status").first).to_have_text("podpisane, czekają na wysłanie do P1")
    expect(package).to_contain_text("kod dostępu zadziała po potwierdzeniu przez P1")
    expect(package.locator(".access-code")).to_have_count(0)

    panel.locator('a[href$="/referrals/new/"]').click()
    expect(page.locator("#id_icd10")).to_have_value("J06.9")
    page.locator("#id_target_specialty").select_option("0713")
    page.locator("#id_purpose").fill("Konsultacja laryngologiczna: nawracające zapalenia gardła")
    page.locator("#edocs-form form button[type=submit]").click()
    referral = panel.locator("article[id^=referral]").first
    referral.locator('form[action$="/sign/"] button').click()
    expect(panel.locator("article[id^=referral] .status").first).to_have_text("podpisane, czeka na wysłanie do P1")

    with page.expect_download() as download:
        panel.locator("article[id^=rx-package]").first.locator('a[href$="/print/"]').click()
    early = _pdf_text(download)
    assert "Te e-recepty są podpisane, ale jeszcze niezarejestrowane w P1." in early
    assert "Kod dostępu" not in early and "Amoxicillinum" in early
    assert read_outbox(outbox / "sms.jsonl") == []  # no code before P1 registered it

    # The worker (as `klinika worker --once` runs it) submits both queued units to the simulator.
    call_command("worker", "--once", "--interval", "0", stdout=io.StringIO())
    page.reload()
    package = page.locator("#edocs-panel article[id^=rx-package]").first
    expect(package.locator(".status").first).to_have_text("wysłane do P1 (potwierdzone)")
    expect(page.locator("#edocs-panel article[id^=referral] .status").first).to_have_text(
        "wysłane do P1 (potwierdzone)")
    code = package.locator(".access-code").inner_text()

    with page.expect_download() as download:
        package.locator('a[href$="/print/"]').click()
    text = _pdf_text(download)
    assert f"Kod dostępu: {code}" in text and "Amoxicillinum" in text and "Paracetamolum" in text
    assert "wysłane do P1 (potwierdzone)" in text and "niezarejestrowane" not in text

    texts = [m["text"] for m in read_outbox(outbox / "sms.jsonl")]
    prescription_sms = [t for t in texts if "e-recepty" in t]
    assert prescription_sms == [prescription_sms[0]] and code in prescription_sms[0]
    assert not any("Amoxicillin" in t or "Paracetamol" in t or "J06" in t for t in texts)
    assert len(texts) == 2  # one for the package, one for the referral
