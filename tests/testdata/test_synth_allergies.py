"""`klinika synth`: allergies for a realistic share of patients, noted in the past, kept in mind when prescribing."""
import pytest
from django.utils import timezone

from klinika.accounts.models import User
from klinika.edocs.models import Prescription
from klinika.patients.models import Patient
from klinika.records.models import Allergy
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth.clinical import ALLERGIES
from tests.testdata.synth_clinic_support import synth

pytestmark = pytest.mark.django_db
PENICILLINS = ("Amoxicillinum", "Phenoxymethylpenicillinum")


def test_a_realistic_share_of_patients_has_allergies():
    clinic = synth("Przychodnia Alergii", seed=13, patients=400)
    with clinic_context(clinic):
        patients = Patient.objects.count()
        allergies = list(Allergy.objects.select_related("patient"))
        doctors = set(User.objects.filter(clinic=clinic, role="doctor").values_list("pk", flat=True))
        allergic = {a.patient_id for a in allergies}
        assert 0.09 <= len(allergic) / patients <= 0.22, len(allergic) / patients
        assert {a.substance for a in allergies} <= {substance for substance, *_rest in ALLERGIES}
        for allergy in allergies:
            assert allergy.recorded_by_id in doctors and allergy.is_active
            assert allergy.patient.birth_date < timezone.localdate(allergy.recorded_at) < timezone.localdate()
        penicillin = {a.patient_id for a in allergies if a.substance in ("penicylina", "amoksycylina")}
        prescribed = Prescription.objects.filter(patient_id__in=penicillin)
        assert not [rx for rx in prescribed if rx.content["drug"]["name"].startswith(PENICILLINS)]
