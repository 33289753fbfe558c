"""In a real browser, the day grid of a clinic with two practitioners: a registrar books from a free gap
(walking to it with the keyboard too), drags a booked visit onto another free slot, and prints the
patient's confirmation, whose text names date, time and practitioner but neither reason nor diagnosis."""
import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment
from klinika.scheduling.slots import local_date
from klinika.tenancy.context import clinic_context
from klinika.testdata.synthetic import SyntheticPeople
from tests.accounts.logins import PASSWORD, enrol, totp_code
from tests.scheduling.booking import book_next
from tests.scheduling.calendar_world import with_nurse_hours
from tests.scheduling.world import build, next_weekday

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Plamienie w 12. tygodniu ciąży"
DIAGNOSIS_WORDS = ("Plamienie", "ciąż", "prenatal", "ginekolog")


@pytest.fixture
def console(page):
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("response", lambda r: messages.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return messages


@pytest.fixture
def desk(page, make_clinic):
    world = with_nurse_hours(build(make_clinic("Przychodnia Pod Lipami"), SyntheticPeople(seed=81), patients=2))
    registrar = world.users[Role.REGISTRAR]
    device = enrol(registrar)
    page.goto("/login/")
    page.get_by_label("Login").fill(registrar.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(totp_code(device))
    page.get_by_role("button", name="Potwierdź").click()
    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()
    return world


def test_a_registrar_books_from_a_free_gap_in_the_day_grid(page, desk, console, screenshot):
    world, monday = desk, next_weekday(0)
    with clinic_context(world.clinic):
        patient = world.patients[0]
        pesel, surname = patient.pesel, patient.last_name
    page.goto(f"/schedule/day/?date={monday}")
    expect(page.get_by_role("heading", name="Kalendarz dnia")).to_be_visible()
    grid = page.locator("[data-calendar-grid]")
    expect(grid.locator("thead th.cal-head")).to_have_count(2)
    expect(grid.locator(f'thead th[data-practitioner="{world.gyn.pk}"]')).to_be_visible()
    expect(grid.locator(f'thead th[data-practitioner="{world.nurse.pk}"]')).to_be_visible()
    screenshot(page, "day-grid")

    # keyboard: the first cell takes focus, an arrow goes to the nurse's column, Page Down to the next day
    first = grid.locator('[data-cell][tabindex="0"]')
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(":focus")).to_have_attribute("data-col", "1")
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_attribute("data-col", "1")
    expect(page.locator(":focus")).not_to_have_attribute("data-row", "0")
    page.keyboard.press("PageDown")
    expect(page).to_have_url(re.compile(f"date={monday + datetime.timedelta(days=1)}"))
    expect(page.locator(":focus")).to_have_attribute("data-row", "0")
    page.keyboard.press("PageUp")
    expect(page).to_have_url(re.compile(f"date={monday}"))

    gap = grid.locator(f'td.cell-free[data-practitioner="{world.nurse.pk}"] a.gap').first
    expect(gap).to_have_text("wolne 10:00")
    gap.click()
    expect(page.get_by_role("heading", name="Potwierdź rezerwację")).to_be_visible()
    expect(page.locator('[role="alert"]')).to_have_count(0)
    page.get_by_label("Znajdź pacjenta (PESEL, nazwisko, telefon…)").fill(pesel)
    page.get_by_role("button", name="Szukaj").click()
    expect(page.locator('#patient-results input[name="patient"]')).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/schedule/book/confirm/\?.*q="))
    # the browser's back returns to the grid as it was; forward again finds the search as it was typed
    # (htmx reloads a page it pushed rather than keep a copy of it, so each step is a page load)
    for _step in range(2):
        with page.expect_event("load"):
            page.go_back()
    expect(page).to_have_url(re.compile(f"/schedule/day/\\?.*date={monday}"))
    for _step in range(2):
        with page.expect_event("load"):
            page.go_forward()
    expect(page.get_by_label("Znajdź pacjenta (PESEL, nazwisko, telefon…)")).to_have_value(pesel)
    expect(page.locator('#patient-results input[name="patient"]')).to_have_count(1)
    page.locator('#patient-results input[name="patient"]').check()
    page.get_by_role("button", name="Umów", exact=True).click()
    expect(page.get_by_text("Wizyta umówiona.")).to_be_visible()
    with clinic_context(world.clinic):
        appointment = Appointment.objects.get()
    assert appointment.practitioner_id == world.nurse.pk and local_date(appointment.starts_at) == monday
    assert timezone.localtime(appointment.starts_at).time() == datetime.time(10)
    page.goto(f"/schedule/day/?date={monday}")
    visit = page.locator(f'td.cell-visit[data-practitioner="{world.nurse.pk}"]')
    expect(visit).to_contain_text(surname)
    expect(visit).to_contain_text("10:00")
    assert not console, console


def test_a_registrar_drags_a_visit_onto_another_free_slot(page, desk, console, screenshot):
    world, monday = desk, next_weekday(0)
    with clinic_context(world.clinic):
        visit = book_next(world, index=0, visit_type=world.follow_up)  # 8:00
    page.goto(f"/schedule/day/?date={monday}&specialty=0724")
    grid = page.locator("[data-calendar-grid]")
    source = grid.locator(f'[data-move-appointment="{visit.pk}"]')
    target = grid.locator('td.cell-free[data-drop-starts*="T09:30"]')
    expect(source).to_be_visible()
    source.drag_to(target)
    expect(page.get_by_role("status").filter(has_text="Wizyta przeniesiona na")).to_contain_text("09:30")
    with clinic_context(world.clinic):
        moved = Appointment.objects.get(rescheduled_from=visit)
        visit.refresh_from_db()
    assert visit.status == "cancelled" and moved.status == "booked"
    expect(grid.locator(f'td.cell-visit [data-appointment="{moved.pk}"]')).to_contain_text("09:30")
    screenshot(page, "day-grid-moved")

    # "move" without dragging: the move mode offers "move here" on the free slots
    page.locator(f'[data-appointment="{moved.pk}"] a.cal-move').click()
    expect(page.get_by_role("status").filter(has_text="Przenosisz wizytę")).to_be_visible()
    page.locator('td.cell-free[data-drop-starts*="T10:45"] button').click()
    expect(page.get_by_role("status").filter(has_text="Wizyta przeniesiona na")).to_contain_text("10:45")
    with clinic_context(world.clinic):
        assert Appointment.objects.get(rescheduled_from=moved).status == "booked"
    assert not console, console


def test_the_printed_confirmation_holds_no_reason_or_diagnosis(page, desk, console):
    world = desk
    with clinic_context(world.clinic):
        visit = book_next(world, reason=REASON, visit_type=world.prenatal)
    page.goto(f"/schedule/appointments/{visit.pk}/")
    link = page.get_by_role("link", name="Drukuj potwierdzenie dla pacjenta")
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split())
    local = timezone.localtime(visit.starts_at)
    assert local.strftime("%H:%M") in text and f"{local.day} " in text and str(local.year) in text
    assert world.gyn.staff.last_name in text and "Potwierdzenie wizyty" in text
    for word in DIAGNOSIS_WORDS + ("Wizyta prenatalna",):
        assert word.lower() not in text.lower(), word
    assert not console, console
