import pytest
from django.urls import reverse

from klinika.accounts.roles import Role
from tests.accounts.logins import submit_password

pytestmark = pytest.mark.django_db

BANNER = 'class="demo-banner"'


def test_a_demo_clinic_user_goes_straight_in_and_sees_the_banner(client, make_user, demo_clinic):
    user = make_user(Role.REGISTRAR, clinic=demo_clinic)
    response = submit_password(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert BANNER in page.content.decode()


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.DOCTOR, Role.NURSE, Role.CLINIC_ADMIN, Role.DPO])
def test_a_real_clinic_never_skips_the_code(client, make_user, role):
    user = make_user(role)
    response = submit_password(client, user.username)
    assert response["Location"].startswith(reverse("login-verify"))
    assert client.get("/").status_code == 302


def test_a_vendor_operator_has_no_clinic_and_needs_the_code(client, make_user, demo_clinic):
    operator = make_user(Role.VENDOR_OPERATOR)
    assert operator.clinic is None and operator.requires_two_factor
    response = submit_password(client, operator.username)
    assert response["Location"].startswith(reverse("login-verify"))
    assert client.get("/").status_code == 302


def test_a_real_clinic_shows_no_demo_banner(client, doctor):
    from tests.accounts.logins import log_in

    log_in(client, doctor)
    assert BANNER not in client.get("/").content.decode()
