"""In a real browser: the clinic admin of an ordinary (2FA) clinic records a leave over three booked visits. The
page lists the three before saving anything; one is moved to an offered free slot, one cancelled (the patient gets
a content-free SMS), one kept, and the summary says so truthfully; the kept one is listed for the desk. On the same
page, overlapping weekly hours are refused with a clear message and the hours table names the weekday."""
import pytest
from playwright.sync_api import expect

from klinika.notify.gateways.file import read_outbox
from klinika.notify.phones import to_msisdn
from klinika.scheduling.models import Appointment, AvailabilityException, WeeklyAvailability
from klinika.tenancy.context import clinic_context
from klinika.testdata.synthetic import SyntheticPeople
from tests.accounts.logins import PASSWORD, enrol, totp_code
from tests.notify.booking import use_outbox
from tests.scheduling.leave_world import monday_leave, three_booked_visits
from tests.scheduling.world import build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sms_outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


def _log_in(page, user, device):
    page.goto("/login/")
    page.get_by_label("Login").fill(user.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(totp_code(device))
    page.get_by_role("button", name="Potwierdź").click()
    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()


def test_a_leave_over_three_booked_visits_moves_one_cancels_one_keeps_one(page, make_clinic, sms_outbox,
                                                                         screenshot):
    clinic = make_clinic("Przychodnia Pod Lipami")
    people = SyntheticPeople(seed=91)
    world = build(clinic, people, patients=0)
    admin = world.users["clinic_admin"]
    with clinic_context(clinic):
        moved, cancelled, kept = visits = three_booked_visits(world, people)
        starts, ends = monday_leave(visits)
        patient_phone = cancelled.patient.phone
    _log_in(page, admin, enrol(admin))

    page.goto(f"/schedule/setup/practitioners/{world.gyn.pk}/")
    hours_table = page.locator("table.hours")
    expect(hours_table.locator("tr", has_text="poniedziałek")).to_have_count(1)
    expect(hours_table).to_contain_text("środa")

    adding = page.locator("section.card", has=page.get_by_role("heading", name="Dodaj godziny tygodniowe"))
    adding.get_by_label("Dzień tygodnia").select_option(label="poniedziałek")
    adding.get_by_label("Od", exact=True).fill("11:00")
    adding.get_by_label("Do", exact=True).fill("14:00")
    adding.get_by_label("Wizyta kontrolna").check()
    adding.get_by_label("Obowiązuje od").fill(starts.date().isoformat())
    adding.get_by_role("button", name="Dodaj").click()
    expect(page.get_by_text("Te godziny nakładają się na poniedziałek 08:00–12:00")).to_be_visible()
    with clinic_context(clinic):
        assert WeeklyAvailability.objects.filter(practitioner=world.gyn, weekday=0).count() == 1

    leave = page.locator("section.card", has=page.get_by_role("heading", name="Dodaj urlop lub dodatkowe godziny"))
    leave.get_by_label("Rodzaj").select_option("unavailable")
    leave.get_by_label("Od", exact=True).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    leave.get_by_label("Do", exact=True).fill(ends.strftime("%Y-%m-%dT%H:%M"))
    leave.get_by_role("button", name="Dodaj").click()

    expect(page.get_by_role("heading", name="Wizyty umówione w tym czasie")).to_be_visible()
    rows = page.locator("table.affected-visits tbody tr")
    expect(rows).to_have_count(3)
    with clinic_context(clinic):
        assert not AvailabilityException.objects.exists(), "the leave was saved before the visits were decided"
    screenshot(page, "leave-review")
    first = page.locator(f'tr[data-appointment="{moved.pk}"]')
    first.get_by_label("Przenieś na").check()
    target = first.locator("select option").first.get_attribute("value")
    first.locator("select").select_option(target)
    page.locator(f'tr[data-appointment="{cancelled.pk}"]').get_by_label("Odwołaj i powiadom pacjenta").check()
    page.locator(f'tr[data-appointment="{kept.pk}"]').get_by_label("Zostaw").check()
    page.get_by_role("button", name="Zapisz zmianę i wykonaj te decyzje").click()

    expect(page.get_by_role("heading", name="Co stało się z wizytami")).to_be_visible()
    expect(page.locator(f'tr[data-appointment="{moved.pk}"]')).to_contain_text("Przeniesiona na")
    expect(page.locator(f'tr[data-appointment="{cancelled.pk}"]')).to_contain_text(
        "Odwołana. Pacjent dostał powiadomienie.")
    expect(page.locator(f'tr[data-appointment="{kept.pk}"]')).to_contain_text("Zostawiona poza godzinami pracy.")
    screenshot(page, "leave-outcomes")

    with clinic_context(clinic):
        assert AvailabilityException.objects.filter(kind="unavailable").count() == 1
        states = {a.pk: (a.status, a.outside_hours) for a in Appointment.objects.all()}
        new = Appointment.objects.get(rescheduled_from_id=moved.pk)
    assert states[moved.pk][0] == "cancelled" and states[cancelled.pk][0] == "cancelled"
    assert states[kept.pk] == ("booked", True)
    assert new.status == "booked" and f"{new.practitioner_id}@" in target and not starts <= new.starts_at < ends
    (sms,) = read_outbox(sms_outbox)
    assert sms["to"] == to_msisdn(patient_phone)
    assert "odwołana" in sms["text"] and world.gyn.staff.last_name not in sms["text"]
    assert "ginekolog" not in sms["text"].lower()

    page.goto("/schedule/")
    kept_list = page.locator("section.kept-outside-hours")
    expect(kept_list).to_contain_text("Wizyty zostawione poza godzinami pracy")
    expect(kept_list.locator(f'li[data-appointment="{kept.pk}"]')).to_have_count(1)
