import pytest
from django.urls import reverse

from tests.accounts.logins import PASSWORD, submit_password

pytestmark = pytest.mark.django_db

WRONG = "Nieprawidłowy login lub hasło."


def _logged_in(client):
    return "_auth_user_id" in client.session


def test_wrong_password_is_refused_with_a_clear_message(client, doctor):
    response = submit_password(client, doctor.username, "not-the-password")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert not _logged_in(client)
    assert "klinika_pending_user" not in client.session


def test_unknown_login_gets_the_same_answer_as_a_wrong_password(client, doctor):
    unknown = submit_password(client, "nobody-here", PASSWORD)
    wrong = submit_password(client, doctor.username, "not-the-password")
    assert unknown.status_code == wrong.status_code == 400
    assert WRONG in unknown.content.decode()


def test_the_typed_login_stays_and_the_password_does_not(client, doctor):
    body = submit_password(client, doctor.username, "not-the-password").content.decode()
    assert f'value="{doctor.username}"' in body
    assert "not-the-password" not in body


@pytest.mark.parametrize("data", [
    {},
    {"username": "", "password": ""},
    {"username": "x" * 5000, "password": "y"},
    {"username": "a\x00b", "password": "p"},
    {"username": ["a", "b"], "password": "p"},
])
def test_malformed_input_is_a_400_with_field_errors_never_a_500(client, doctor, data):
    response = client.post(reverse("login"), data)
    assert response.status_code == 400
    body = response.content.decode()
    # A NUL byte is refused before the login looks anything up (klinika.web.boundary): the 400 page says why.
    assert 'class="field-error"' in body or WRONG in body or "znak sterujący" in body
    assert not _logged_in(client)


def test_a_user_of_a_terminated_clinic_cannot_log_in(client, doctor):
    doctor.clinic.status = doctor.clinic.Status.TERMINATED
    doctor.clinic.save()
    response = submit_password(client, doctor.username)
    assert response.status_code == 400
    assert WRONG in response.content.decode()


def test_an_inactive_user_cannot_log_in(client, doctor):
    doctor.is_active = False
    doctor.save()
    assert submit_password(client, doctor.username).status_code == 400


def test_the_right_password_leads_to_the_code_step(client, doctor):
    response = submit_password(client, doctor.username, next_url="/some/page?a=1&b=2")
    assert response.status_code == 302
    assert response["Location"] == reverse("login-verify") + "?next=%2Fsome%2Fpage%3Fa%3D1%26b%3D2"
    assert not _logged_in(client)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/login/", "/logout/"])
def test_next_never_leaves_the_site_or_loops_to_the_login(client, make_user, demo_clinic, target):
    user = make_user(clinic=demo_clinic)
    response = submit_password(client, user.username, next_url=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("name", ["login", "login-verify", "logout"])
def test_other_http_methods_are_a_405(client, make_user, demo_clinic, name):
    client.force_login(make_user(clinic=demo_clinic), backend="klinika.accounts.backends.StaffBackend")
    assert client.put(reverse(name)).status_code == 405
    assert client.delete(reverse(name)).status_code == 405
