"""In Chromium: the doctor types notes and, without saving them, records measurements and an allergy (htmx):
the notes are still in the form and the screen saves them as a draft on its own ("draft saved" only after the
server stored it); a reload shows them again; with changes the server has not stored, leaving the page asks
first and the status says "not saved" until the server is back."""
import pytest
from django.conf import settings
from playwright.sync_api import expect

from klinika.records import services
from klinika.records.models import Allergy, EncounterVersion, VitalSigns
from klinika.tenancy.context import clinic_context
from tests.records.world import build, logged_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NOTE = "Ból w klatce piersiowej przy wysiłku od 2 tygodni"
MORE = "Szmer skurczowy nad koniuszkiem"


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


def test_notes_survive_measurements_and_an_allergy_and_leaving_asks_first(page, world, live_server, screenshot):
    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, world.appointment().pk)
    session = logged_in(world.doctor_user, language="pl").cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
                              {"name": settings.LANGUAGE_COOKIE_NAME, "value": "pl", "url": live_server.url}])
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"/records/encounters/{encounter.pk}/")

    interview = page.locator("#id_interview")
    interview.press_sequentially(NOTE)  # real key presses: the page has had a user gesture, as for a doctor
    page.locator("#id_bp_systolic").fill("142")
    page.locator("#id_bp_diastolic").fill("91")
    page.locator("#vitals-card").get_by_role("button", name="Zapisz pomiary").click()
    expect(page.locator("#vitals-card")).to_contain_text("142/91")
    expect(page.locator("#summary-vitals")).to_contain_text("142/91")
    expect(interview).to_have_value(NOTE)

    page.locator("#id_substance").fill("Penicylina")
    page.locator("#allergies-card").get_by_role("button", name="Dodaj alergię").click()
    expect(page.locator("#allergies-card .allergy-list")).to_contain_text("Penicylina")
    expect(interview).to_have_value(NOTE)

    status = page.locator("#draft-status")
    expect(status).to_contain_text("Szkic zapisany o")
    screenshot(page, "records-notes-kept-draft-saved")
    with clinic_context(world.clinic):
        assert EncounterVersion.objects.get(encounter=encounter).content["interview"] == NOTE
        assert VitalSigns.objects.filter(encounter=encounter).count() == 1
        assert Allergy.objects.filter(patient=world.woman).count() == 1

    page.reload()
    expect(page.locator("#id_interview")).to_have_value(NOTE)

    # The server cannot be reached: the status says so, and leaving asks first.
    page.route("**/autosave/", lambda route: route.abort())
    page.locator("#id_examination").press_sequentially(MORE)
    expect(status).to_contain_text("Nie zapisano")
    screenshot(page, "records-draft-not-saved")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_role("link", name="Historia wersji").click(no_wait_after=True)
    for _ in range(50):
        if dialogs:
            break
        page.wait_for_timeout(100)
    assert dialogs == ["beforeunload"]
    expect(page.locator("#id_examination")).to_have_value(MORE)
    assert page.url.endswith(f"/records/encounters/{encounter.pk}/")

    # A card whose save gets no answer says so and keeps what was typed.
    page.route("**/vitals/", lambda route: route.abort())
    page.locator("#id_pulse").fill("77")
    page.locator("#vitals-card").get_by_role("button", name="Zapisz pomiary").click()
    expect(page.locator("#vitals-card .card-failure")).to_contain_text("serwer nie odpowiedział")
    expect(page.locator("#id_pulse")).to_have_value("77")

    # The server is back: the next keystroke saves everything typed meanwhile.
    page.unroute("**/autosave/")
    page.locator("#id_examination").press_sequentially(".")
    expect(status).to_contain_text("Szkic zapisany o")
    with clinic_context(world.clinic):
        assert EncounterVersion.objects.get(encounter=encounter).content["examination"] == MORE + "."
    assert problems == []
