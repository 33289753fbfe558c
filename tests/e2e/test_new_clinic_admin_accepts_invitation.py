"""A new clinic's first login, as the vendor and the clinic's administrator do it.

`klinika clinic create NAME --admin EMAIL` prints a one-time link; the administrator opens
it in a browser, gives their name and a password, scans the authenticator key (here: reads
it off the page), confirms a code and lands on their dashboard. The same link then only
shows why it no longer works.
"""
import base64
import io
import re

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import expect

from klinika.accounts.models import User
from klinika.accounts.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Zielona-Herbata-2026"


def _code_from(secret: str) -> str:
    return f"{TOTP(base64.b32decode(secret)).token():06d}"


def test_clinic_create_admin_link_password_totp_dashboard(page, live_server, settings, screenshot):
    settings.KLINIKA_PUBLIC_URL = live_server.url
    out = io.StringIO()
    call_command("clinic", "create", "Przychodnia Pod Lipami", "--admin", "anna.admin@example.pl", stdout=out)
    link = re.search(r"^(http://\S+/invitation/\S+/)$", out.getvalue(), re.M).group(1)
    assert link.startswith(live_server.url)
    admin = User.objects.get(username="przychodnia-pod-lipami-admin")
    assert admin.role == Role.CLINIC_ADMIN and not admin.has_usable_password()

    page.goto(link)
    expect(page.get_by_role("heading", name="Załóż swoje konto")).to_be_visible()
    expect(page.locator("#invited-login")).to_have_text(admin.username)
    page.get_by_label("Imię").fill("Anna")
    page.get_by_label("Nazwisko").fill("Lipowska")
    page.get_by_label("Nowe hasło", exact=True).fill(PASSWORD)
    page.get_by_label("Powtórz nowe hasło").fill(PASSWORD)
    screenshot(page, "invitation")
    page.get_by_role("button", name="Ustaw hasło").click()

    expect(page.get_by_role("heading", name="Weryfikacja dwuetapowa")).to_be_visible()
    expect(page.locator("img.qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(_code_from(secret))
    page.get_by_role("button", name="Potwierdź").click()

    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()
    expect(page.locator('[data-action="staff.manage"]')).to_be_visible()
    screenshot(page, "admin-dashboard")

    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("Ten link z zaproszeniem został już użyty")
    page.get_by_role("button", name="Wyloguj się").click()
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("został już użyty")
    expect(page.get_by_role("link", name="Przejdź do strony logowania")).to_be_visible()
