"""An invitation link: works once, until it expires, for the login it was made for; only its hash is stored.

The whole way (command → link → password → TOTP → dashboard) runs in a browser in
tests/e2e/test_new_clinic_admin_accepts_invitation.py; these tests cover each rule.
"""
import datetime
import hashlib
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from klinika.accounts import services
from klinika.accounts.models import Invitation, StaffMember, User
from klinika.accounts.roles import Role
from klinika.accounts.services.sessions import PENDING_USER_KEY
from klinika.audit.models import Action, AuditEvent
from klinika.lifecycle.services import create_clinic_with_admin
from klinika.tenancy.context import clinic_context, cross_clinic
from tests.accounts.logins import submit_code, totp_code
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db
PASSWORD = "Zielona-Herbata-2026"
FORM = {"first_name": "Anna", "last_name": "Lipowska", "password1": PASSWORD, "password2": PASSWORD}


@pytest.fixture
def invited():
    clinic, invitation = create_clinic_with_admin("Przychodnia Pod Lipami", admin_email="anna@example.pl")
    return invitation


def _path(invitation) -> str:
    return urlsplit(invitation.link).path


def _invitation_events():
    with cross_clinic("tests read the audit trail"):
        return list(AuditEvent.objects.filter(object_type="invitation").order_by("at", "seq"))


def test_the_link_sets_the_password_and_leads_to_enrolment(client, invited):
    page = client.get(_path(invited))
    assert page.status_code == 200 and invited.user.username in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]

    response = client.post(_path(invited), FORM)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login-verify')}?next=%2F"
    assert client.session[PENDING_USER_KEY] == invited.user.pk
    admin = User.objects.get(pk=invited.user.pk)
    assert admin.check_password(PASSWORD)
    with clinic_context(admin.clinic_id):
        staff = StaffMember.objects.get(user=admin)
    assert (staff.first_name, staff.last_name, staff.email) == ("Anna", "Lipowska", "anna@example.pl")

    assert 'id="totp-secret"' in client.get(response["Location"]).content.decode()
    device = services.enrolment_device(admin)
    assert submit_code(client, totp_code(device)).status_code == 302
    assert client.get("/").status_code == 200


def test_the_link_works_once(client, invited):
    assert client.post(_path(invited), FORM).status_code == 302
    for again in (client.get(_path(invited)), client.post(_path(invited), {**FORM, "password1": "Inne-Haslo-12345",
                                                                          "password2": "Inne-Haslo-12345"})):
        assert again.status_code == 410
        assert "Ten link z zaproszeniem został już użyty" in again.content.decode()
    assert User.objects.get(pk=invited.user.pk).check_password(PASSWORD)


def test_an_expired_link_says_so_and_changes_nothing(client, invited):
    now = timezone.now()
    Invitation.objects.filter(user=invited.user).update(created_at=now - datetime.timedelta(hours=72, seconds=1),
                                                         expires_at=now - datetime.timedelta(seconds=1))
    for response in (client.get(_path(invited)), client.post(_path(invited), FORM)):
        assert response.status_code == 410
        assert "Ten link z zaproszeniem wygasł" in response.content.decode()
    assert not User.objects.get(pk=invited.user.pk).has_usable_password()
    assert PENDING_USER_KEY not in client.session


def test_the_link_expires_after_the_configured_hours(settings):
    settings.KLINIKA_INVITATION_HOURS = 5
    _clinic, invitation = create_clinic_with_admin("Przychodnia Krótka", admin_email="a@example.pl")
    assert abs(invitation.expires_at - timezone.now() - datetime.timedelta(hours=5)) < datetime.timedelta(minutes=1)
    _clinic, invitation = create_clinic_with_admin("Przychodnia Długa", admin_email="b@example.pl",
                                                   invitation_hours=72)
    assert abs(invitation.expires_at - timezone.now() - datetime.timedelta(hours=72)) < datetime.timedelta(minutes=1)


def test_an_unknown_or_mangled_link_is_a_clear_404(client, invited):
    response = client.get(_path(invited)[:-5] + "xxxx/")
    assert response.status_code == 404 and "Ten link z zaproszeniem jest nieprawidłowy" in response.content.decode()


def test_only_the_hash_of_the_token_is_stored(invited):
    token = _path(invited).rstrip("/").rsplit("/", 1)[1]
    stored = Invitation.objects.get(user=invited.user)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(Invitation.objects.values_list()))


def test_passwords_are_checked_by_the_validators(client, invited):
    for bad in ({**FORM, "password1": "krotkie", "password2": "krotkie"},
                {**FORM, "password1": "password1234", "password2": "password1234"},
                {**FORM, "password2": PASSWORD + "x"}):
        response = client.post(_path(invited), bad)
        assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    assert not User.objects.get(pk=invited.user.pk).has_usable_password()
    assert client.post(_path(invited), FORM).status_code == 302


def test_creating_and_accepting_are_audited_without_personal_data(client, invited):
    client.post(_path(invited), FORM)
    created, accepted = _invitation_events()
    assert created.action == accepted.action == Action.GRANT
    assert created.clinic_id == accepted.clinic_id == invited.user.clinic_id
    assert "invitation created" in created.reason and accepted.reason == "invitation accepted"
    assert accepted.actor_id == invited.user.pk
    for event in (created, accepted):
        assert "anna" not in f"{event.reason} {event.object_id}".lower()


def test_a_clinic_admin_invites_staff_from_the_accounts_page(make_user, clinic):
    admin = make_user(Role.CLINIC_ADMIN, clinic=clinic)
    page = logged_in(admin).post(reverse("staff-accounts"), {
        "login": "jnowak", "role": Role.DOCTOR, "first_name": "Jan", "last_name": "Nowak", "email": "jn@example.pl"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    doctor = User.objects.get(username="jnowak")
    assert doctor.role == Role.DOCTOR and doctor.clinic_id == clinic.pk and not doctor.has_usable_password()
    link = page.content.decode().split('<code id="invitation-link">', 1)[1].split("</code>", 1)[0]
    assert services.open_invitation(link.rstrip("/").rsplit("/", 1)[1]).user == doctor
    created = _invitation_events()[-1]
    assert created.actor_id == admin.pk and created.clinic_id == clinic.pk


def test_a_taken_login_is_a_form_error(make_user, clinic):
    admin = make_user(Role.CLINIC_ADMIN, clinic=clinic)
    page = logged_in(admin).post(reverse("staff-accounts"), {
        "login": admin.username, "role": Role.NURSE, "first_name": "A", "last_name": "B", "email": "ab@example.pl"})
    assert page.status_code == 400 and "jest zajęty" in page.content.decode()
    assert User.objects.filter(clinic=clinic).count() == 1


def test_only_a_clinic_admin_may_invite(make_user, clinic):
    doctor = make_user(Role.DOCTOR, clinic=clinic)
    with pytest.raises(PermissionDenied):
        services.invite_staff(doctor, email="x@example.pl", role=Role.NURSE, login="pielegniarka")
    assert logged_in(doctor).post(reverse("staff-accounts"), {"login": "p2", "role": Role.NURSE}).status_code == 403
    assert not User.objects.filter(username__in=["pielegniarka", "p2"]).exists()
