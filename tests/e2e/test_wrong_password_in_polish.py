import pytest
from playwright.sync_api import expect

from klinika.accounts.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_wrong_password_shows_the_polish_error_and_keeps_the_login(page, make_user, screenshot):
    nurse = make_user(Role.NURSE)
    page.goto("/login/")
    page.get_by_label("Login").fill(nurse.username)
    page.get_by_label("Hasło").fill("to-nie-jest-haslo")
    page.get_by_role("button", name="Zaloguj się").click()

    expect(page.get_by_role("alert")).to_have_text("Nieprawidłowy login lub hasło.")
    expect(page.get_by_label("Login")).to_have_value(nurse.username)
    expect(page.get_by_label("Hasło")).to_have_value("")
    assert page.url.endswith("/login/")
    screenshot(page, "login-error")


def test_the_same_error_in_english_after_switching(page, make_user):
    nurse = make_user(Role.NURSE)
    page.goto("/login/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Login").fill(nurse.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
