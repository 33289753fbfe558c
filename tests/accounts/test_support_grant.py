"""Break-glass: a vendor operator sees a clinic only under a grant its admin gave, and only while it lasts."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from klinika.accounts import policy
from klinika.accounts.models import SupportGrant, User
from klinika.accounts.roles import Role
from klinika.accounts.services import support
from klinika.audit.models import AuditEvent
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def admin(make_clinic):
    return User.objects.create_user("admin-x", PASSWORD, role=Role.CLINIC_ADMIN, clinic=make_clinic(is_demo=True))


@pytest.fixture
def operator():
    return User.objects.create_user("op-x", PASSWORD, role=Role.VENDOR_OPERATOR)


def _verified_client(user):
    """A logged-in client; the operator's TOTP step is done by binding a confirmed device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from klinika.accounts.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="klinika.accounts.backends.StaffBackend")
    if user.requires_two_factor:
        device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def test_granting_needs_a_reason_a_vendor_operator_and_a_sane_duration(admin, operator):
    with pytest.raises(ValidationError):
        support.grant_support(admin, operator.username, 4, "  ")
    with pytest.raises(ValidationError):
        support.grant_support(admin, operator.username, 0, "ticket 12")
    with pytest.raises(ValidationError):
        support.grant_support(admin, operator.username, 500, "ticket 12")
    with pytest.raises(ValidationError):
        support.grant_support(admin, admin.username, 4, "ticket 12")
    with clinic_context(admin.clinic):
        assert not SupportGrant.objects.exists()


def test_only_a_clinic_admin_may_grant(admin, operator):
    doctor = User.objects.create_user("doc-x", PASSWORD, role=Role.DOCTOR, clinic=admin.clinic)
    with pytest.raises(PermissionDenied):
        support.grant_support(doctor, operator.username, 4, "ticket 12")


def test_an_operator_without_a_grant_reaches_no_clinic(admin, operator):
    client = _verified_client(operator)
    assert client.get("/support/").status_code == 200
    assert not policy.can(operator, "patients.search")


def test_an_operator_under_a_grant_works_read_only_in_that_clinic_and_is_audited(admin, operator):
    grant = support.grant_support(admin, operator.username, 2, "ticket 12: calendar shows nothing")
    client = _verified_client(operator)
    assert "Przychodnia" in client.get("/support/").content.decode()
    assert client.post(f"/support/{grant.pk}/enter/").status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    actions = {name for name, _label in page.context["actions"]}
    assert "patients.search" in actions and "patients.register" not in actions
    with clinic_context(admin.clinic):
        reasons = list(AuditEvent.objects.filter(object_type="support-grant").values_list("reason", flat=True))
    assert any(r.startswith("granted 2h") for r in reasons) and "support session started" in reasons


def test_a_revoked_or_expired_grant_ends_access_at_the_next_request(admin, operator):
    grant = support.grant_support(admin, operator.username, 2, "ticket 13")
    client = _verified_client(operator)
    client.post(f"/support/{grant.pk}/enter/")
    support.revoke_support(admin, grant.pk)
    page = client.get("/")
    assert "patients.search" not in {name for name, _label in page.context["actions"]}

    second = support.grant_support(admin, operator.username, 1, "ticket 14")
    client.post(f"/support/{second.pk}/enter/")
    with clinic_context(admin.clinic):
        SupportGrant.objects.filter(pk=second.pk).update(
            starts_at=timezone.now() - datetime.timedelta(hours=3),
            expires_at=timezone.now() - datetime.timedelta(hours=2))
    page = client.get("/")
    assert "patients.search" not in {name for name, _label in page.context["actions"]}


def test_another_operators_grant_cannot_be_used(admin, operator):
    other = User.objects.create_user("op-y", PASSWORD, role=Role.VENDOR_OPERATOR)
    grant = support.grant_support(admin, operator.username, 2, "ticket 15")
    assert _verified_client(other).post(f"/support/{grant.pk}/enter/").status_code == 404


def test_the_admin_page_grants_and_revokes(admin, operator):
    client = _verified_client(admin)
    bad = client.post("/support/", {"operator": "nobody", "hours": 2, "reason": "x"})
    assert bad.status_code == 400
    ok = client.post("/support/", {"operator": operator.username, "hours": 2, "reason": "ticket 16"})
    assert ok.status_code == 302
    with clinic_context(admin.clinic):
        grant = SupportGrant.objects.get()
    assert client.post(f"/support/{grant.pk}/revoke/").status_code == 302
    with clinic_context(admin.clinic):
        assert SupportGrant.objects.get().revoked_at is not None
