"""In a real browser: a registrar of an ordinary (2FA) clinic registers a patient, finds a free slot with a
gynaecologist next week and books it; the gynaecologist then sees the visit, with its reason, in her calendar."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klinika.scheduling.forms import monday_of
from klinika.scheduling.slots import local_date
from klinika.testdata.synthetic import SyntheticPeople
from tests.accounts.logins import PASSWORD, enrol, totp_code
from tests.scheduling.world import build, next_weekday

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console(page):
    """CSP violations and failed loads of the pages' own resources (the browser's favicon probe aside)."""
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.on("response", lambda response: messages.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return messages


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


def test_a_registrar_books_a_gynaecologist_next_week_and_the_doctor_sees_it(page, console, make_clinic, screenshot):
    clinic = make_clinic("Przychodnia Pod Lipami")
    assert not clinic.is_demo
    world = build(clinic, SyntheticPeople(seed=77), patients=0)
    registrar, doctor = world.users["registrar"], world.users["doctor"]
    registrar_device, doctor_device = enrol(registrar), enrol(doctor)
    person = _adult_woman()
    monday = next_weekday(0)
    assert monday_of(monday) == monday and monday > local_date(timezone.now())

    _log_in(page, registrar, registrar_device)

    page.goto("/patients/new/")
    page.get_by_label("Imię").fill("Zofia")
    page.get_by_label("Nazwisko").fill("Brzęczyszczykiewicz-O'Connor")
    page.get_by_label("PESEL", exact=True).fill(person["pesel"])
    page.get_by_label("Nazwisko").focus()
    expect(page.locator("#id_birth_date")).to_have_value(person["birth_date"].isoformat())
    page.get_by_role("button", name="Zarejestruj", exact=True).click()
    expect(page.get_by_role("heading", name="Brzęczyszczykiewicz-O'Connor Zofia")).to_be_visible()

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
    page.get_by_label("Powód wizyty (widzi go tylko lekarz i pielęgniarka)").fill("Kontrola po zabiegu <b>pilne</b>")
    screenshot(page, "book-confirm")
    page.get_by_role("button", name="Umów", exact=True).click()

    expect(page.get_by_role("heading", name="Wizyta")).to_be_visible()
    expect(page.get_by_text("Wizyta umówiona.")).to_be_visible()
    expect(page.locator(".appointment-card")).to_contain_text("Brzęczyszczykiewicz-O'Connor Zofia")
    expect(page.locator(".appointment-card")).not_to_contain_text("Kontrola po zabiegu")
    screenshot(page, "appointment")

    page.get_by_role("button", name="Wyloguj się").click()
    _log_in(page, doctor, doctor_device)
    page.goto("/schedule/my/")
    page.get_by_role("link", name="tydzień", exact=True).click()
    page.get_by_role("link", name="następny tydzień →").click()
    day = page.locator(f'section.calendar-day[data-date="{monday.isoformat()}"]')
    expect(day).to_contain_text("Brzęczyszczykiewicz-O'Connor Zofia")
    expect(day).to_contain_text("08:00")
    expect(day.locator(".reason")).to_have_text("Kontrola po zabiegu <b>pilne</b>")
    screenshot(page, "doctor-calendar")
    assert not console, console
