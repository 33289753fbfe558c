import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.accounts.logins import log_in

pytestmark = pytest.mark.django_db

EXPIRED = "Twoja sesja wygasła"


def _idle_past_the_limit():
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


def test_sessions_last_fifteen_idle_minutes_and_end_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_each_request_pushes_the_expiry_forward(client, doctor):
    log_in(client, doctor)
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get("/").status_code == 200
    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining > datetime.timedelta(minutes=14)


def test_an_idle_session_ends_and_the_login_page_says_why(client, doctor):
    log_in(client, doctor)
    _idle_past_the_limit()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) and "expired=1" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert EXPIRED in page.content.decode()


def test_the_expiry_notice_is_shown_once(client, doctor):
    log_in(client, doctor)
    _idle_past_the_limit()
    client.get(client.get("/")["Location"])
    again = client.get("/")
    assert "expired" not in again["Location"]


def test_a_first_visit_is_not_called_an_expired_session(client):
    response = client.get("/")
    assert response.status_code == 302 and "expired" not in response["Location"]
    assert EXPIRED not in client.get(response["Location"]).content.decode()


def test_a_made_up_expired_link_shows_no_notice(client):
    assert EXPIRED not in client.get(reverse("login") + "?expired=1").content.decode()


def test_after_logging_out_the_next_visit_is_not_called_expired(client, doctor):
    log_in(client, doctor)
    client.post(reverse("logout"))
    response = client.get("/")
    assert "expired" not in response["Location"]
