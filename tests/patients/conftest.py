import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.patients import services
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult

PASSWORD = "correct-horse-battery"


def verified_client(user, language="en") -> Client:
    """A logged-in client past the second factor (a confirmed TOTP device bound to the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from klinika.accounts.models import TOTPDevice

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switch's choice
    client.force_login(user, backend="klinika.accounts.backends.StaffBackend")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff(clinic):
    """One user of every clinic role, by role name."""
    return {role: User.objects.create_user(f"{role}-{clinic.slug}", PASSWORD, role=role, clinic=clinic)
            for role in (Role.REGISTRAR, Role.DOCTOR, Role.NURSE, Role.CLINIC_ADMIN, Role.DPO)}


@pytest.fixture
def registrar(staff):
    return staff[Role.REGISTRAR]


@pytest.fixture
def admin(staff):
    return staff[Role.CLINIC_ADMIN]


@pytest.fixture
def doctor(staff):
    return staff[Role.DOCTOR]


@pytest.fixture
def register(registrar, clinic):
    """Registers a patient through the service (in the clinic's context); adult data unless overridden."""

    def make(confirm_duplicates=True, **overrides):
        with clinic_context(clinic):
            return services.register_patient(registrar, adult(**overrides), confirm_duplicates=confirm_duplicates)

    return make


@pytest.fixture
def client_for():
    return verified_client


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids); Polish is checked where it is the point."""
    with translation.override("en"):
        yield
