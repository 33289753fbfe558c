"""Bulk import of staff logins: a login and a sealed staff record per row; bad rows refuse their chunk."""
import pytest
from django.contrib.auth.hashers import make_password
from django.utils import translation

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.accounts.services.bulk import import_staff
from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.audit.verify import verify
from klinika.bulk import ImportRejected
from klinika.crypto import keystore
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")
ROWS = [{"login": "rej-a", "role": Role.REGISTRAR, "first_name": "Zofia", "last_name": "Wąsik",
         "email": "zofia@example.pl", "phone": "+48 600 100 200"},
        {"login": "iod-a", "role": Role.DPO, "first_name": "Jan", "last_name": "Kowalczyk"}]


def test_logins_read_back_sealed_audited_and_without_a_password(clinic):
    result = import_staff(clinic, ROWS, actor=IMPORTER)
    keystore.forget_cached_keys()
    with clinic_context(clinic):
        for pk, row in zip(result.user_ids, ROWS, strict=True):
            user = User.objects.select_related("staff").get(pk=pk)
            assert (user.username, user.role, user.clinic_id) == (row["login"], row["role"], clinic.pk)
            assert (user.staff.first_name, user.staff.last_name, user.staff.email) == (
                row["first_name"], row["last_name"], row.get("email", ""))
            assert not user.has_usable_password()
        assert StaffMember.objects.matching(last_name="Wąsik").get().user.username == "rej-a"
        events = AuditEvent.objects.filter(action="create", object_type="staff")
        assert {e.reason for e in events} == {"imported"} and events.count() == 2
    assert verify(clinic.pk).ok


def test_a_given_password_hash_lets_every_login_in(clinic):
    result = import_staff(clinic, ROWS, actor=IMPORTER, password_hash=make_password("wspolne-haslo-demo"))
    assert all(user.check_password("wspolne-haslo-demo") for user in User.objects.filter(pk__in=result.user_ids))


def test_a_taken_login_a_vendor_role_or_a_missing_name_refuses_the_chunk(clinic):
    import_staff(clinic, ROWS[:1], actor=IMPORTER)
    again = [dict(ROWS[1]), dict(ROWS[1], login="rej-a"), dict(ROWS[1], login="op", role=Role.VENDOR_OPERATOR),
             dict(ROWS[1], login="x y", last_name=" ")]
    with translation.override("pl"), pytest.raises(ImportRejected) as caught:
        import_staff(clinic, again, actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (1, "login"), (2, "role"), (3, "last_name"), (3, "login")]
    assert "Wybierz rolę personelu przychodni." in str(caught.value)
    with clinic_context(clinic):
        assert StaffMember.objects.count() == 1
    assert not User.objects.filter(username__in=["iod-a", "op"]).exists()
