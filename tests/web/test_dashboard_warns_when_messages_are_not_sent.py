import pytest

from klinika.accounts.roles import Role
from tests.accounts.logins import log_in

pytestmark = pytest.mark.django_db

WARNING = "Wiadomości do pacjentów nie są wysyłane."


@pytest.mark.parametrize("role", [Role.CLINIC_ADMIN, Role.REGISTRAR, Role.DOCTOR])
def test_without_a_gateway_everyone_on_the_dashboard_is_told(client, make_user, settings, role):
    settings.KLINIKA_SMS_BACKEND = "none"
    log_in(client, make_user(role))
    page = client.get("/").content.decode()
    assert WARNING in page and "Nie skonfigurowano bramki SMS" in page
    assert "Nie skonfigurowano serwera poczty" not in page  # e-mail (the tests' in-memory backend) works


def test_with_working_gateways_there_is_no_warning(client, make_user, settings):
    settings.KLINIKA_SMS_BACKEND = "smsapi"
    log_in(client, make_user(Role.REGISTRAR))
    assert WARNING not in client.get("/").content.decode()


def test_a_development_backend_in_production_is_no_gateway_either(client, make_user, settings):
    settings.KLINIKA_ENV, settings.KLINIKA_SMS_BACKEND = "production", "file"
    settings.EMAIL_BACKEND = "klinika.notify.mail.FileEmailBackend"
    log_in(client, make_user(Role.CLINIC_ADMIN))
    page = client.get("/").content.decode()
    assert WARNING in page and "Nie skonfigurowano bramki SMS" in page and "Nie skonfigurowano serwera poczty" in page
