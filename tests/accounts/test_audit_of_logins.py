import pytest
from django.urls import reverse

from klinika.audit.models import Action, AuditEvent
from klinika.audit.verify import verify
from klinika.tenancy.context import cross_clinic
from tests.accounts.logins import PASSWORD, enrol, log_in, submit_code, submit_password, totp_code

pytestmark = pytest.mark.django_db


def _events(action=None):
    with cross_clinic("tests read the audit trail"):
        events = AuditEvent.objects.order_by("chain", "seq")
        return list(events.filter(action=action) if action else events)


def _texts(event):
    return " ".join(str(getattr(event, f.name)) for f in event._meta.concrete_fields)


def test_a_login_is_recorded_against_the_user_and_clinic(client, doctor):
    log_in(client, doctor)
    [event] = _events(Action.LOGIN)
    assert (event.actor_id, event.clinic_id, event.object_type, event.object_id) == (
        doctor.pk, doctor.clinic_id, "user", str(doctor.pk))
    assert event.outcome == "success" and event.reason == "password+totp"


def test_a_vendor_operator_login_goes_to_the_vendor_chain(client, make_user):
    from klinika.accounts.roles import Role

    operator = make_user(Role.VENDOR_OPERATOR)
    log_in(client, operator)
    [event] = _events(Action.LOGIN)
    assert event.clinic_id is None and event.chain == "vendor"


def test_a_wrong_password_is_recorded_as_a_failure(client, doctor):
    submit_password(client, doctor.username, "wrong-password-123")
    [event] = _events(Action.LOGIN_FAILED)
    assert event.outcome == "failure" and event.object_id == str(doctor.pk)
    assert event.clinic_id == doctor.clinic_id and event.reason == "wrong password"


def test_an_unknown_login_is_recorded_without_what_was_typed(client):
    submit_password(client, "jan.kowalski", "Tajne-Haslo-77")
    [event] = _events(Action.LOGIN_FAILED)
    assert event.object_id == "" and event.clinic_id is None
    assert "kowalski" not in _texts(event) and "Tajne" not in _texts(event)


def test_a_wrong_code_is_recorded_as_a_failure(client, doctor):
    device = enrol(doctor)
    submit_password(client, doctor.username)
    submit_code(client, f"{(int(totp_code(device)) + 1) % 1_000_000:06d}")
    [event] = _events(Action.LOGIN_FAILED)
    assert event.reason == "wrong TOTP code" and event.object_id == str(doctor.pk)
    assert _events(Action.LOGIN) == []


def test_a_locked_out_attempt_is_recorded(client, doctor):
    for _ in range(6):
        submit_password(client, doctor.username, "wrong-password-123")
    assert [e.reason for e in _events(Action.LOGIN_FAILED)][-2:] == ["locked out", "locked out"]


def test_logout_is_recorded(client, doctor):
    log_in(client, doctor)
    client.post(reverse("logout"))
    [event] = _events(Action.LOGOUT)
    assert (event.actor_id, event.clinic_id, event.object_id) == (doctor.pk, doctor.clinic_id, str(doctor.pk))


def test_login_events_hold_no_personal_data_and_the_chain_verifies(client, doctor):
    submit_password(client, doctor.username, "wrong-password-123")
    log_in(client, doctor)
    client.post(reverse("logout"))
    events = _events()
    assert {Action.LOGIN, Action.LOGIN_FAILED, Action.LOGOUT} <= {e.action for e in events}
    for event in events:
        text = _texts(event)
        assert doctor.username not in text and PASSWORD not in text and "wrong-password" not in text
    assert verify(doctor.clinic_id).ok
