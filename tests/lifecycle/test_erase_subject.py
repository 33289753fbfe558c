import pytest

from klinika.crypto.fields import ERASED
from klinika.lifecycle.services import erase_subject
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

from .conftest import ENCRYPTED

pytestmark = pytest.mark.django_db


def test_erasing_one_patient_leaves_the_others_readable(populated):
    a = populated["a"]
    with clinic_context(a):
        victim, *others = list(Patient.objects.order_by("id"))
        pesel = victim.pesel
    assert erase_subject(a, victim.subject_ref, reason="retention ended")
    with clinic_context(a):
        erased = Patient.objects.get(pk=victim.pk)
        assert all(getattr(erased, f) is ERASED for f in ENCRYPTED)
        assert not Patient.objects.matching(pesel=pesel).exists()  # blind index dropped too
        for other in others:
            assert Patient.objects.get(pk=other.pk).last_name == other.last_name


def test_erasing_twice_reports_nothing_left_to_erase(populated):
    a = populated["a"]
    with clinic_context(a):
        victim = Patient.objects.first()
    assert erase_subject(a, victim.subject_ref, reason="retention ended")
    assert not erase_subject(a, victim.subject_ref, reason="retention ended")


def test_an_erased_record_cannot_be_saved_back(populated):
    from klinika.crypto.errors import KeyDestroyed

    a = populated["a"]
    with clinic_context(a):
        victim = Patient.objects.first()
    erase_subject(a, victim.subject_ref, reason="retention ended")
    with clinic_context(a):
        erased = Patient.objects.get(pk=victim.pk)
        with pytest.raises(KeyDestroyed):
            erased.save()


def test_erasing_a_staff_member_drops_their_practitioners_licence_index(clinic, people):
    """The licence is encrypted under the staff member's key, on another row: its index goes too."""
    from klinika.staff.models import Practitioner
    from tests.notify.booking import add_practitioner

    with clinic_context(clinic):
        practitioner = add_practitioner(clinic, people)
        licence = practitioner.licence_number
        assert Practitioner.objects.matching(licence_number=licence).exists()
    assert erase_subject(clinic, practitioner.staff.subject_ref, reason="left the clinic")
    with clinic_context(clinic):
        assert Practitioner.objects.get(pk=practitioner.pk).licence_index is None
        assert not Practitioner.objects.matching(licence_number=licence).exists()
