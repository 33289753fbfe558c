"""`klinika synth`: e-prescriptions for drug-treated conditions, e-referrals to specialties, e-ZLA only for
working-age patients, at realistic rates; all imported history with an honest status."""
import pytest
from django.utils import timezone

from klinika.edocs import statuses
from klinika.edocs.models import Prescription, Referral, SickLeave
from klinika.edocs.services.submission import due_units
from klinika.records.models import Encounter
from klinika.staff.models import Specialty
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth.clinical import BY_CODE
from tests.testdata.synth_clinic_support import age_on, main_code, synth

pytestmark = pytest.mark.django_db


def test_documents_fit_the_visit_and_claim_nothing_of_the_platform():
    clinic = synth("Przychodnia Dokumentów", seed=14, patients=300)
    with clinic_context(clinic):
        visits = {e.pk: e for e in Encounter.objects.select_related("patient", "current")}
        prescriptions = list(Prescription.objects.all())
        referrals = list(Referral.objects.all())
        leaves = list(SickLeave.objects.all())
        specialties = set(Specialty.objects.values_list("code", flat=True))
        assert due_units() == []
    documents = prescriptions + referrals + leaves
    assert {d.status for d in documents} == {"imported"}
    assert not any(d.platform_id or d.submitted_at or d.next_attempt_at or statuses.is_registered(d)
                   for d in documents)
    for rx in prescriptions:
        assert BY_CODE[main_code(visits[rx.encounter_id])].drugs  # a condition treated with drugs
    for referral in referrals:
        assert referral.content["icd10"] == main_code(visits[referral.encounter_id])
        assert referral.content["target_specialty"] in specialties | {""}
        assert referral.content["kind"] != "02.11" or referral.content["target_specialty"]
    working_age_visits = 0
    for visit in visits.values():
        working_age_visits += 18 <= age_on(visit.patient.birth_date, visit.started_at.date()) <= 67
    for leave in leaves:
        visit = visits[leave.encounter_id]
        assert 18 <= age_on(visit.patient.birth_date, timezone.localdate(leave.signed_at)) <= 67
        assert leave.content["icd10"] == main_code(visit)
    with_rx = len({rx.encounter_id for rx in prescriptions})
    assert 0.2 <= with_rx / len(visits) <= 0.75, with_rx / len(visits)
    assert 0.02 <= len(referrals) / len(visits) <= 0.25, len(referrals) / len(visits)
    assert 0.02 <= len(leaves) / working_age_visits <= 0.3, len(leaves) / working_age_visits
    numbers = [d.number for d in documents]
    assert len(numbers) == len(set(numbers))
