"""One PESEL, one patient, held by the database: a second live record with a PESEL of its own is
refused whatever writes it (here the bare ORM, below every service). Not covered: newborns on the
mother's PESEL, merged records, a PESEL a clinic admin recorded as shared, erased patients."""
import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from klinika.lifecycle.services import erase_subject
from klinika.patients import services
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult, make_pesel

pytestmark = pytest.mark.django_db

PESEL = make_pesel(datetime.date(1980, 2, 3), "F")


def _row(clinic, **fields):
    values = {"first_name": "Anna", "last_name": "Kowalska", "pesel": PESEL, "birth_date": datetime.date(1980, 2, 3),
              "sex": "F"} | fields
    patient = Patient(clinic=clinic, **values)
    patient.save()
    return patient


def _refused(clinic, **fields):
    with clinic_context(clinic), pytest.raises(IntegrityError), transaction.atomic():
        _row(clinic, **fields)


def test_the_database_refuses_a_second_live_patient_with_the_same_pesel(clinic):
    with clinic_context(clinic):
        _row(clinic)
    _refused(clinic, first_name="Anita")
    # However it is typed: the blind index is of the normalised digits.
    _refused(clinic, pesel=f" {PESEL[:5]} {PESEL[5:]} ")
    with clinic_context(clinic):
        assert Patient.objects.count() == 1


def test_an_edit_onto_another_patients_pesel_is_refused_by_the_database(clinic):
    with clinic_context(clinic):
        _row(clinic)
        other = _row(clinic, pesel=make_pesel(datetime.date(1980, 2, 3), "F", 777))
        other.pesel = PESEL
        with pytest.raises(IntegrityError), transaction.atomic():
            other.save()


def test_another_clinic_may_have_a_patient_with_the_same_pesel(clinic, make_clinic):
    other_clinic = make_clinic()
    with clinic_context(clinic):
        _row(clinic)
    with clinic_context(other_clinic):
        assert _row(other_clinic).pk


def test_mother_and_twins_on_her_pesel_are_three_live_patients(clinic):
    born = timezone.localdate()
    with clinic_context(clinic):
        mother = _row(clinic)
        twins = [_row(clinic, first_name=name, pesel_is_mothers=True, birth_date=born, guardian=mother)
                 for name in ("Zosia", "Ola")]
        assert Patient.objects.matching(pesel=PESEL).filter(is_active=True).count() == 3
        assert [t.pesel_kind for t in twins] == ["mothers", "mothers"] and mother.pesel_kind == "own"


def test_a_merged_record_keeps_its_pesel_without_blocking_it(clinic):
    with clinic_context(clinic):
        survivor = _row(clinic, pesel=make_pesel(datetime.date(1980, 2, 3), "F", 777))
        _row(clinic, is_active=False, merged_into=survivor)
        assert _row(clinic, first_name="Anita").pk  # the merged one's PESEL, on a live record


def test_a_pesel_recorded_as_shared_is_not_covered_but_only_for_a_pesel_of_ones_own(clinic):
    with clinic_context(clinic):
        _row(clinic)
        shared = _row(clinic, first_name="Anita", pesel_shared="registry_confirmed")
        assert shared.pesel_kind == "shared"
    _refused(clinic, first_name="Ewa", pesel_is_mothers=True, pesel_shared="registry_confirmed",
             birth_date=timezone.localdate())


def test_an_erased_patient_has_no_pesel_index_and_blocks_nobody(clinic, registrar):
    with clinic_context(clinic):
        erased = services.register_patient(registrar, adult(pesel=PESEL))
    assert erase_subject(clinic, erased.subject_ref, reason="retention ended")
    with clinic_context(clinic):
        assert Patient.objects.get(pk=erased.pk).pesel_index is None
        again = services.register_patient(registrar, adult(pesel=PESEL), confirm_duplicates=True)
        assert again.pk != erased.pk
