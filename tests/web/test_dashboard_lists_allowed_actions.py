import re

import pytest
from django.utils import translation

from klinika.accounts.policy import ACTIONS, allowed_actions
from klinika.accounts.roles import Role
from tests.accounts.logins import log_in

pytestmark = pytest.mark.django_db


def _dashboard_actions(client, user) -> set[str]:
    log_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return set(re.findall(r'data-action="([^"]+)"', response.content.decode()))


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.DOCTOR, Role.NURSE, Role.CLINIC_ADMIN, Role.DPO,
                                  Role.VENDOR_OPERATOR])
def test_the_dashboard_lists_exactly_what_the_policy_allows(client, make_user, role):
    user = make_user(role)
    assert _dashboard_actions(client, user) == {name for name, _label in allowed_actions(user)}


def test_a_registrar_and_a_doctor_see_different_things(client, make_user, make_clinic):
    clinic = make_clinic()
    registrar = _dashboard_actions(client, make_user(Role.REGISTRAR, clinic=clinic))
    client.logout()
    doctor = _dashboard_actions(client, make_user(Role.DOCTOR, clinic=clinic))
    assert {"schedule.book", "patients.register"} <= registrar - doctor
    assert {"records.write", "edocs.issue", "records.view_clinical"} <= doctor - registrar
    assert {"patients.search", "schedule.view"} <= registrar & doctor


def test_the_labels_are_shown_in_polish(client, make_user):
    log_in(client, make_user(Role.DOCTOR))
    page = client.get("/").content.decode()
    assert "Wystawianie e-recept" in page
    with translation.override("en"):
        assert str(ACTIONS["edocs.issue"][1]) not in page
