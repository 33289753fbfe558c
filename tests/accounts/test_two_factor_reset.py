"""A clinic admin resets a staff member's lost authenticator: sessions end, the next login enrols a new one."""
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from klinika.accounts.models import TOTPDevice
from klinika.accounts.roles import Role
from klinika.accounts.services import support
from klinika.audit.models import Action, AuditEvent
from klinika.tenancy.context import cross_clinic
from tests.accounts.logins import submit_code, submit_password, totp_code
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirm": "on"}


@pytest.fixture
def admin(make_user, clinic):
    return make_user(Role.CLINIC_ADMIN, clinic=clinic)


@pytest.fixture
def nurse(make_user, clinic):
    return make_user(Role.NURSE, clinic=clinic)


def _reset_url(user):
    return reverse("staff-account-reset-2fa", args=[user.pk])


def _session_alive(client) -> bool:
    return Session.objects.filter(session_key=client.session.session_key).exists()


def _reset_events():
    with cross_clinic("tests read the audit trail"):
        return list(AuditEvent.objects.filter(action=Action.UPDATE, object_type="user"))


def test_the_reset_forgets_the_device_ends_the_sessions_and_is_audited(admin, nurse):
    nurse_client = logged_in(nurse)
    assert nurse_client.get("/").status_code == 200
    response = logged_in(admin).post(_reset_url(nurse), CONFIRMED)
    assert response.status_code == 302 and response["Location"] == reverse("staff-account", args=[nurse.pk])
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert not _session_alive(nurse_client)
    assert nurse_client.get("/")["Location"].startswith(reverse("login"))
    [event] = _reset_events()
    assert (event.actor_id, event.actor_role, event.clinic_id, event.object_id) == (
        admin.pk, Role.CLINIC_ADMIN, admin.clinic_id, str(nurse.pk))
    assert event.reason == "two-factor reset: 1 authenticator(s) removed, 1 session(s) ended"


def test_the_next_login_enrols_a_new_authenticator(client, admin, nurse):
    old = TOTPDevice.objects.create(user=nurse, name="lost phone", confirmed=True)
    logged_in(admin).post(_reset_url(nurse), CONFIRMED)
    submit_password(client, nurse.username)
    page = client.get(reverse("login-verify")).content.decode()
    assert 'id="totp-secret"' in page and 'class="qr"' in page
    new = TOTPDevice.objects.get(user=nurse)
    assert not new.confirmed and new.bin_key != old.bin_key
    response = submit_code(client, totp_code(new))
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_the_lost_phones_codes_open_nothing(client, admin, nurse):
    lost = TOTPDevice.objects.create(user=nurse, name="lost phone", confirmed=True)
    logged_in(admin).post(_reset_url(nurse), CONFIRMED)
    submit_password(client, nurse.username)
    assert submit_code(client, totp_code(lost)).status_code == 400
    assert client.get("/").status_code == 302


def test_a_login_half_done_when_the_reset_comes_must_start_again(client, admin, nurse):
    TOTPDevice.objects.create(user=nurse, name="lost phone", confirmed=True)
    submit_password(client, nurse.username)
    logged_in(admin).post(_reset_url(nurse), CONFIRMED)
    response = client.get(reverse("login-verify"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_without_the_confirmation_nothing_changes(admin, nurse):
    nurse_client = logged_in(nurse)
    response = logged_in(admin).post(_reset_url(nurse), {})
    assert response.status_code == 400
    assert "Potwierdź, że sprawdzono, kto prosi o reset." in response.content.decode()
    assert TOTPDevice.objects.filter(user=nurse).exists() and _session_alive(nurse_client)
    assert _reset_events() == []


def test_an_admin_cannot_reset_their_own_device_this_way(admin):
    client = logged_in(admin)
    page = client.get(reverse("staff-account", args=[admin.pk])).content.decode()
    assert _reset_url(admin) not in page and "Nie możesz zresetować własnej weryfikacji dwuetapowej" in page
    assert client.post(_reset_url(admin), CONFIRMED).status_code == 403
    assert TOTPDevice.objects.filter(user=admin).exists() and _session_alive(client)
    assert _reset_events() == []


def test_a_user_of_another_clinic_is_404(admin, make_user):
    stranger = make_user(Role.DOCTOR)
    device = TOTPDevice.objects.create(user=stranger, name="phone", confirmed=True)
    client = logged_in(admin)
    assert client.get(reverse("staff-account", args=[stranger.pk])).status_code == 404
    assert client.post(_reset_url(stranger), CONFIRMED).status_code == 404
    assert client.post(_reset_url(stranger), {}).status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert _reset_events() == []


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.DOCTOR, Role.DPO])
def test_only_a_clinic_admin_may_reset(make_user, clinic, nurse, role):
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    client = logged_in(make_user(role, clinic=clinic))
    assert client.post(_reset_url(nurse), CONFIRMED).status_code == 403
    assert client.get(reverse("staff-accounts")).status_code == 403
    assert client.get(reverse("staff-account", args=[nurse.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=nurse).exists()
    assert _reset_events() == []


def test_a_vendor_operator_under_a_grant_may_not_reset(make_user, admin, nurse):
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    operator = make_user(Role.VENDOR_OPERATOR)
    grant = support.grant_support(admin, operator.username, 2, "ticket 3: login problems")
    client = logged_in(operator)
    assert client.post(f"/support/{grant.pk}/enter/").status_code == 302
    assert client.post(_reset_url(nurse), CONFIRMED).status_code == 403
    assert TOTPDevice.objects.filter(user=nurse).exists()


def test_the_reset_takes_a_post(admin, nurse):
    assert logged_in(admin).get(_reset_url(nurse)).status_code == 405


def test_the_accounts_screen_shows_who_has_an_authenticator(admin, nurse, make_user, clinic):
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    newcomer = make_user(Role.REGISTRAR, clinic=clinic)
    stranger = make_user(Role.REGISTRAR)
    client = logged_in(admin)
    page = client.get(reverse("staff-accounts")).content.decode()
    assert stranger.username not in page
    rows = {int(pk): row for pk, row in re.findall(r'<tr data-account="(\d+)"[^>]*>(.*?)</tr>', page, re.S)}
    assert set(rows) == {admin.pk, nurse.pk, newcomer.pk}
    assert "aplikacja uwierzytelniająca skonfigurowana" in rows[nurse.pk]
    assert "skonfiguruje aplikację przy następnym logowaniu" in rows[newcomer.pk]
    account_page = client.get(reverse("staff-account", args=[nurse.pk])).content.decode()
    assert _reset_url(nurse) in account_page and 'type="checkbox" name="confirm"' in account_page


def test_the_admin_is_told_in_polish_what_happened(admin, nurse):
    response = logged_in(admin).post(_reset_url(nurse), CONFIRMED, follow=True)
    assert response.status_code == 200
    assert (f"Weryfikacja dwuetapowa konta {nurse.username} została zresetowana: konto zostało wylogowane"
            in response.content.decode())
