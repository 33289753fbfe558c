import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.accounts.logins import log_in, submit_password

pytestmark = pytest.mark.django_db

LOCKED = "Zbyt wiele nieudanych prób"


def _fail(client, user, times):
    return [submit_password(client, user.username, "wrong-password").status_code for _ in range(times)]


def test_the_fifth_wrong_password_locks_the_account(client, doctor):
    assert _fail(client, doctor, 5) == [400, 400, 400, 400, 429]
    response = submit_password(client, doctor.username)
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED in body and "30 minut" in body
    assert "klinika_pending_user" not in client.session and "_auth_user_id" not in client.session


def test_the_lock_holds_from_another_browser(client, doctor):
    from django.test import Client

    _fail(client, doctor, 5)
    other = Client(HTTP_USER_AGENT="another browser", REMOTE_ADDR="10.1.2.3")
    assert submit_password(other, doctor.username).status_code == 429


def test_other_accounts_are_not_locked(client, doctor, make_user):
    colleague = make_user(clinic=doctor.clinic)
    _fail(client, doctor, 5)
    assert submit_password(client, colleague.username).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, doctor):
    _fail(client, doctor, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert submit_password(client, doctor.username).status_code == 302


def test_a_successful_login_resets_the_count(client, make_user, demo_clinic):
    user = make_user(clinic=demo_clinic)
    _fail(client, user, 4)
    log_in(client, user)
    client.post(reverse("logout"))
    assert _fail(client, user, 4) == [400] * 4
    assert submit_password(client, user.username).status_code == 302
