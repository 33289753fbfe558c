"""Bulk import of practitioners: a login, a sealed staff record and a licence per row; duplicates refused."""
import pytest

from klinika.accounts.models import StaffMember, User
from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.audit.verify import verify
from klinika.bulk import ImportRejected
from klinika.crypto import keystore
from klinika.staff.models import Practitioner
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import generate_practitioners

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


def rows(clinic, n=6, seed=3):
    people = generate_practitioners(seed=seed, doctors=n, nurses=2)
    return [dict(p, login=f"{clinic.slug}-{i}") for i, p in enumerate(people)]


def test_practitioners_read_back_with_licences_and_specialties(clinic):
    given = rows(clinic)
    result = import_practitioners(clinic, given, actor=IMPORTER)
    keystore.forget_cached_keys()
    with clinic_context(clinic):
        for pk, row in zip(result.practitioner_ids, given, strict=True):
            practitioner = Practitioner.objects.select_related("staff__user").get(pk=pk)
            assert practitioner.licence_number == row["licence_number"]
            staff = practitioner.staff
            assert (staff.first_name, staff.last_name) == (row["first_name"], row["last_name"])
            assert sorted(s.code for s in practitioner.specialties.all()) == sorted(row["specialties"])
            assert staff.user.username == row["login"] and not staff.user.has_usable_password()
            assert Practitioner.objects.matching(licence_number=row["licence_number"]).get() == practitioner
        assert AuditEvent.objects.filter(action="create", reason="imported", object_type="practitioner").count() == 8
        assert AuditEvent.objects.filter(action="create", reason="imported", object_type="staff").count() == 8
    assert verify(clinic.pk).ok


def test_a_taken_licence_or_a_bad_one_refuses_the_chunk(clinic):
    given = rows(clinic)
    import_practitioners(clinic, given[:3], actor=IMPORTER)
    again = [dict(given[3]), dict(given[0], login="someone-else"), dict(given[4], licence_number="1234567")]
    with pytest.raises(ImportRejected) as caught:
        import_practitioners(clinic, again, actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "licence_number"), (2, "licence_number")]
    with clinic_context(clinic):
        assert Practitioner.objects.count() == StaffMember.objects.count() == 3
    assert not User.objects.filter(username=given[3]["login"]).exists()
