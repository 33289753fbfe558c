import pytest
from django.urls import reverse

from tests.accounts.logins import submit_password

pytestmark = pytest.mark.django_db


def _switch(client, language, next_url=None):
    return client.post(reverse("set_language"), {"language": language, "next": next_url or reverse("login")})


def test_the_login_page_is_polish_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="pl">' in page
    assert "Zaloguj się" in page and "Hasło" in page
    assert "Log in" not in page


def test_english_after_choosing_it(client):
    response = _switch(client, "en")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page and "Password" in page
    assert "Zaloguj się" not in page


def test_back_to_polish_after_choosing_it(client):
    _switch(client, "en")
    _switch(client, "pl")
    assert "Zaloguj się" in client.get(reverse("login")).content.decode()


def test_the_wrong_password_message_in_both_languages(client, doctor):
    assert "Nieprawidłowy login lub hasło." in submit_password(client, doctor.username, "nope-nope").content.decode()
    _switch(client, "en")
    assert "Wrong login or password." in submit_password(client, doctor.username, "nope-nope").content.decode()


def test_field_errors_are_translated_too(client):
    assert "To pole jest wymagane." in client.post(reverse("login"), {}).content.decode()
    _switch(client, "en")
    assert "This field is required." in client.post(reverse("login"), {}).content.decode()


def test_an_unknown_language_is_ignored_not_an_error(client):
    response = _switch(client, "xx")
    assert response.status_code == 302
    assert "Zaloguj się" in client.get(reverse("login")).content.decode()


def test_the_switch_never_redirects_off_the_site(client):
    response = _switch(client, "en", next_url="https://evil.example/")
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_the_language_switch_is_on_the_page(client):
    page = client.get(reverse("login")).content.decode()
    assert 'name="language" value="en"' in page and 'name="language" value="pl"' in page
