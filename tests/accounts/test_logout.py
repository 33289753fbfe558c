import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.accounts.logins import log_in

pytestmark = pytest.mark.django_db


def test_logging_out_ends_the_session(client, doctor):
    log_in(client, doctor)
    logged_in_key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "Wylogowano" in client.get(response["Location"]).content.decode()
    assert not Session.objects.filter(session_key=logged_in_key).exists()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_the_old_session_cookie_is_useless_after_logout(client, doctor):
    from django.test import Client

    log_in(client, doctor)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    other = Client()
    other.cookies["sessionid"] = stolen
    assert other.get("/").status_code == 302


def test_opening_the_logout_address_only_asks(client, doctor):
    log_in(client, doctor)
    response = client.get(reverse("logout"))
    assert response.status_code == 200
    assert f'action="{reverse("logout")}"' in response.content.decode()
    assert client.get("/").status_code == 200


def test_logging_out_when_not_logged_in_goes_to_the_login(client):
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
