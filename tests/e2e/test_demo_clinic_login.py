import pytest
from playwright.sync_api import expect

from klinika.accounts.roles import Role
from tests.accounts.logins import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_demo_clinic_login_shows_the_banner_and_asks_for_no_code(page, make_user, demo_clinic):
    registrar = make_user(Role.REGISTRAR, clinic=demo_clinic)
    page.goto("/login/")
    page.get_by_label("Login").fill(registrar.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()

    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()
    expect(page.locator(".demo-banner")).to_contain_text("DEMO")
    expect(page.get_by_text(demo_clinic.name)).to_be_visible()
    expect(page.locator('[data-action="schedule.book"]')).to_be_visible()
    assert "/login/verify/" not in page.url
