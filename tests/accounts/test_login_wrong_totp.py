import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from klinika.accounts.services import MAX_TOKEN_FAILURES
from tests.accounts.logins import enrol, submit_code, submit_password, totp_code

pytestmark = pytest.mark.django_db

NOT_VALID = "Ten kod jest nieprawidłowy."


def _after_backoff(device):
    """Moves django-otp's last failure into the past, as if the user waited before retrying."""
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - datetime.timedelta(hours=1)
    device.save()


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def at_code_step(client, doctor):
    device = enrol(doctor)
    assert submit_password(client, doctor.username).status_code == 302
    return device


def test_wrong_code_is_refused_and_does_not_log_in(client, at_code_step):
    response = submit_code(client, _wrong(totp_code(at_code_step)))
    assert response.status_code == 400
    assert NOT_VALID in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_code_that_is_not_six_digits_gets_a_format_message(client, at_code_step):
    for token in ["", "12345", "abcdef", "x" * 500]:
        _after_backoff(at_code_step)
        response = submit_code(client, token)
        assert response.status_code == 400
        assert "6-cyfrowy kod" in response.content.decode() or "wymagane" in response.content.decode()


def test_a_code_typed_with_a_space_as_the_app_shows_it_is_accepted(client, at_code_step):
    code = totp_code(at_code_step)
    assert submit_code(client, f" {code[:3]} {code[3:]} ").status_code == 302


def test_a_quick_retry_after_a_wrong_code_is_asked_to_wait(client, at_code_step):
    submit_code(client, _wrong(totp_code(at_code_step)))
    response = submit_code(client, totp_code(at_code_step))
    assert response.status_code == 429
    assert "Odczekaj" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_code_after_a_wait_logs_in(client, at_code_step):
    submit_code(client, _wrong(totp_code(at_code_step)))
    _after_backoff(at_code_step)
    response = submit_code(client, totp_code(at_code_step))
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_too_many_wrong_codes_send_the_user_back_to_the_password(client, at_code_step):
    for _ in range(MAX_TOKEN_FAILURES - 1):
        _after_backoff(at_code_step)
        assert submit_code(client, _wrong(totp_code(at_code_step))).status_code == 400
    _after_backoff(at_code_step)
    response = submit_code(client, _wrong(totp_code(at_code_step)))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(response["Location"]).content.decode()
    assert "Zbyt wiele błędnych kodów" in page
    _after_backoff(at_code_step)
    assert submit_code(client, totp_code(at_code_step))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_used_code_cannot_be_used_again(client, doctor, at_code_step):
    code = totp_code(at_code_step)
    assert submit_code(client, code).status_code == 302
    client.post(reverse("logout"))
    submit_password(client, doctor.username)
    assert submit_code(client, code).status_code == 400


def test_the_code_step_without_the_password_step_goes_to_the_login(client, doctor):
    enrol(doctor)
    response = client.get(reverse("login-verify"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    response = submit_code(client, "123456")
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_a_user_deactivated_between_the_steps_is_stopped(client, doctor, at_code_step):
    doctor.is_active = False
    doctor.save()
    response = submit_code(client, totp_code(at_code_step))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
