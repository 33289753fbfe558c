"""Users, authenticator devices and the login steps, shared by the accounts, web and e2e tests."""
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from klinika.accounts.models import TOTPDevice, User
from klinika.accounts.roles import Role

PASSWORD = "correct-horse-battery-9"


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or that many 30-second steps later).

    A code is accepted once only, so a second login in the same test uses the next step's code.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def submit_password(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def submit_code(client, code):
    return client.post(reverse("login-verify"), {"token": code})


def log_in(client, user, device=None, steps_ahead=0):
    """The whole login; enrols an authenticator for a user who needs one and has none."""
    response = submit_password(client, user.username)
    assert response.status_code == 302, response.content.decode()
    if not user.requires_two_factor:
        return response
    device = device or TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    response = submit_code(client, totp_code(device, steps_ahead))
    assert response.status_code == 302, response.content.decode()
    return response


@pytest.fixture
def make_user(make_clinic):
    counter = iter(range(1, 10_000))

    def make(role=Role.DOCTOR, clinic=None, username=None):
        if clinic is None and role != Role.VENDOR_OPERATOR:
            clinic = make_clinic()
        return User.objects.create_user(username or f"{role}-{next(counter)}", PASSWORD, role=role, clinic=clinic)

    return make


@pytest.fixture
def doctor(make_user):
    return make_user(Role.DOCTOR)


@pytest.fixture
def demo_clinic(make_clinic):
    return make_clinic("Przychodnia Demo Testowa", is_demo=True)
