import base64
import re

import pytest
from django.urls import reverse

from klinika.accounts.models import TOTPDevice
from tests.accounts.logins import submit_code, submit_password, totp_code

pytestmark = pytest.mark.django_db


def _secret_on(page: str) -> str:
    return re.search(r'<code id="totp-secret">([A-Z2-7=]+)</code>', page).group(1)


def test_first_login_shows_a_qr_code_and_the_key(client, doctor):
    submit_password(client, doctor.username)
    page = client.get(reverse("login-verify")).content.decode()
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', page)
    device = TOTPDevice.objects.get(user=doctor)
    assert not device.confirmed
    assert base64.b32decode(_secret_on(page)) == device.bin_key


def test_reloading_the_page_keeps_the_same_key(client, doctor):
    submit_password(client, doctor.username)
    first = _secret_on(client.get(reverse("login-verify")).content.decode())
    second = _secret_on(client.get(reverse("login-verify")).content.decode())
    assert first == second and TOTPDevice.objects.filter(user=doctor).count() == 1


def test_a_wrong_code_does_not_confirm_the_device(client, doctor):
    submit_password(client, doctor.username)
    client.get(reverse("login-verify"))
    device = TOTPDevice.objects.get(user=doctor)
    response = submit_code(client, f"{(int(totp_code(device)) + 1) % 1_000_000:06d}")
    assert response.status_code == 400
    assert 'id="totp-secret"' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_the_code_from_the_key_confirms_the_device_and_logs_in(client, doctor):
    submit_password(client, doctor.username, next_url="/")
    page = client.get(reverse("login-verify")).content.decode()
    device = TOTPDevice.objects.get(user=doctor)
    assert base64.b32decode(_secret_on(page)) == device.bin_key
    response = submit_code(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_the_next_login_asks_for_a_code_and_shows_no_key(client, doctor):
    submit_password(client, doctor.username)
    client.get(reverse("login-verify"))
    device = TOTPDevice.objects.get(user=doctor)
    submit_code(client, totp_code(device))
    client.post(reverse("logout"))

    response = submit_password(client, doctor.username)
    assert response["Location"].startswith(reverse("login-verify"))
    page = client.get(response["Location"]).content.decode()
    assert 'id="totp-secret"' not in page and 'class="qr"' not in page
    assert client.get("/").status_code == 302
    assert submit_code(client, totp_code(device, steps_ahead=1)).status_code == 302
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.filter(user=doctor).count() == 1
