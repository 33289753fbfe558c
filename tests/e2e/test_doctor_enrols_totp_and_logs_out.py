import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from klinika.accounts.roles import Role
from tests.accounts.logins import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _code_from(secret: str) -> str:
    """What the doctor's authenticator app shows for the key read off the page."""
    return f"{TOTP(base64.b32decode(secret)).token():06d}"


def test_a_doctor_enrols_an_authenticator_lands_on_the_dashboard_and_logs_out(page, make_user, screenshot):
    doctor = make_user(Role.DOCTOR)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=%2F$"))
    screenshot(page, "login")
    page.get_by_label("Login").fill(doctor.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()

    expect(page.get_by_role("heading", name="Weryfikacja dwuetapowa")).to_be_visible()
    expect(page.locator("img.qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    screenshot(page, "enrolment")
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(_code_from(secret))
    page.get_by_role("button", name="Potwierdź").click()

    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()
    expect(page.locator('[data-action="records.write"]')).to_be_visible()
    expect(page.locator(".demo-banner")).to_have_count(0)
    screenshot(page, "dashboard")

    page.get_by_role("button", name="Wyloguj się").click()
    expect(page.get_by_text("Wylogowano.")).to_be_visible()
    screenshot(page, "logged-out")
    page.goto("/")
    expect(page.get_by_role("heading", name="Zaloguj się")).to_be_visible()
