"""In a real browser (CSP on): PESEL fills birth date and sex as the field is left, results appear as one types."""
import datetime
import os
import threading
from pathlib import Path

import pytest

from klinika.accounts.roles import Role
from tests.accounts.logins import PASSWORD, demo_clinic, make_user  # noqa: F401  (fixtures)
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.patients.factories import make_pesel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def in_own_browser(base_url: str, steps):
    """Runs `steps(page)` in a Chromium of its own, on a thread of its own.

    The e2e suite keeps one Playwright (sync API) open for the whole session on the main
    thread, and a second one cannot start there; on another thread it can. `steps` must not
    touch the database (that thread has no test transaction); prepare data before.
    """
    from playwright.sync_api import sync_playwright

    outcome = {}

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=base_url, locale="pl-PL", viewport={"width": 1280,
                                                                                          "height": 800})
                context.set_default_timeout(15_000)
                try:
                    steps(context.new_page())
                finally:
                    browser.close()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="patients-e2e")
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "the browser steps did not finish in 5 minutes"
    if "error" in outcome:
        raise outcome["error"]


def _screenshot(page, name):
    target = os.environ.get("KLINIKA_E2E_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def test_a_registrar_registers_and_finds_a_patient(live_server, make_user, demo_clinic):  # noqa: F811
    registrar = make_user(Role.REGISTRAR, clinic=demo_clinic)
    pesel = make_pesel(datetime.date(1985, 7, 14), "M", 321)

    def steps(page):
        from playwright.sync_api import expect

        console = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto("/login/")
        page.get_by_label("Login").fill(registrar.username)
        page.get_by_label("Hasło").fill(PASSWORD)
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()

        page.goto("/patients/new/")
        page.get_by_label("Imię").fill("Łukasz")
        page.get_by_label("Nazwisko").fill("Żółkiewski-O'Neill")
        page.get_by_label("PESEL", exact=True).fill(pesel)
        page.get_by_label("Nazwisko").focus()  # leaving the PESEL field checks it
        expect(page.locator("#id_birth_date")).to_have_value("1985-07-14")
        expect(page.locator("#id_sex")).to_have_value("M")
        page.get_by_label("Telefon").fill("600 7OO 800")
        page.get_by_label("E-mail", exact=True).focus()
        expect(page.locator("#error-phone")).not_to_be_empty()
        page.get_by_label("Telefon").fill("600 700 800")
        page.get_by_label("E-mail", exact=True).focus()
        expect(page.locator("#error-phone")).to_be_empty()
        page.locator("#id_consent_sms").check()
        _screenshot(page, "patients-register")
        page.get_by_role("button", name="Zarejestruj", exact=True).click()

        expect(page.get_by_role("heading", name="Żółkiewski-O'Neill Łukasz")).to_be_visible()
        expect(page.get_by_text(pesel, exact=True).first).to_be_visible()
        _screenshot(page, "patients-card")

        page.goto("/patients/")
        page.get_by_role("searchbox").fill("żółkiewski-o'neill")
        expect(page.locator("#results")).to_contain_text("Żółkiewski-O'Neill Łukasz")
        expect(page.locator("#results")).to_contain_text("\u2022" * 7 + pesel[-4:])
        expect(page.locator("#results")).not_to_contain_text(pesel)
        _screenshot(page, "patients-search")
        # (a missing favicon is a failed resource load, not a script error)
        problems = [m for m in console if "Content Security Policy" in m
                    or (m.startswith("error") and "Failed to load resource" not in m)]
        assert not problems, problems

    in_own_browser(live_server.url, steps)
