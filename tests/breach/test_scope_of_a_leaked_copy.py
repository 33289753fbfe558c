"""A generated clinic's database is copied at one moment (the leak); patients are added after it.

Keys not exposed: the tool says the data was unreadable and no patient notice is required (art. 34(3)(a)).
Keys exposed: it lists exactly the patients whose rows are in the copy (not the later ones), with the
categories and record counts the generator put there."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.breach import services
from klinika.breach.models import AffectedPerson
from klinika.patients.services.bulk import import_patients
from klinika.records.models import Allergy
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import generate_patients
from klinika.testdata.synth_clinic import build_clinic
from tests.breach.support import copy_database, drop_copy, ground_truth

pytestmark = pytest.mark.django_db(transaction=True)
PATIENTS = 200


@pytest.fixture
def leak(tmp_path, purge_signed_versions):
    report = build_clinic("Przychodnia Wyciek", slug="wyciek", patients=PATIENTS, years=0.5, seed=41,
                          batch_size=PATIENTS)
    clinic = report.clinic
    truth = ground_truth(clinic)
    copied_at = timezone.now()
    ref = copy_database(tmp_path)
    # After the copy: new patients, and one more record of a patient who is in the copy.
    later = [row for batch in generate_patients(25, seed=99) for row in batch.rows() if not row.get("guardian")]
    import_patients(clinic, later, actor=Actor(None, "test"))
    with clinic_context(clinic):
        old = next(iter(truth))
        from klinika.patients.models import Patient

        patient = Patient.objects.get(subject_ref=old)
        Allergy(patient=patient, substance="orzechy", recorded_by_id=_any_user(clinic)).save()
    yield clinic, report, truth, ref, copied_at
    drop_copy(ref)


def _any_user(clinic):
    from klinika.accounts.models import User

    return User.objects.filter(clinic=clinic).values_list("pk", flat=True).first()


def _open(clinic, ref, copied_at, *, keys: bool):
    return services.open_incident(
        clinic, summary="Kopia bazy danych znaleziona na publicznym serwerze", detected_at=timezone.now(),
        source_kind="database_copy", source_ref=ref, keystore_exposed=keys, root_key_exposed=keys,
        window_start=copied_at - datetime.timedelta(hours=1), window_end=copied_at,
        contact_point="iod@wyciek.example")


def test_keys_not_exposed_unreadable_and_no_notice(leak):
    clinic, report, truth, ref, copied_at = leak
    incident = services.scope_incident(_open(clinic, ref, copied_at, keys=False))
    scope = incident.scope
    assert scope["method"] == "copy"
    assert scope["readable"] is False and scope["exemption_34_3_a"] is True
    assert scope["notice_required"] is False
    assert scope["people"] == {"patients": PATIENTS, "staff": scope["people"]["staff"], "readable_patients": 0}
    codes = [r["code"] for r in scope["reasons"]]
    assert {"copy-read", "ciphertext", "keys-not-exposed", "clear-metadata"} <= set(codes)
    assert incident.severity["ei"]["value"] == 0.25
    with pytest.raises(ValidationError) as refused:
        services.prepare_notices(incident)
    assert refused.value.code is None and "--force" in refused.value.messages[0]


def test_keys_exposed_lists_exactly_the_patients_in_the_copy(leak):
    clinic, report, truth, ref, copied_at = leak
    incident = services.scope_incident(_open(clinic, ref, copied_at, keys=True))
    scope = incident.scope
    assert scope["readable"] is True and scope["notice_required"] is True
    with clinic_context(clinic):
        listed = {p.subject_ref: p for p in AffectedPerson.objects.filter(incident=incident, kind="patient")}
    assert set(listed) == set(truth)  # the 25 patients added after the copy are not in it
    assert len(listed) == PATIENTS == report.patients
    assert all(p.readable and p.patient_id for p in listed.values())
    for subject_ref, expected in truth.items():
        assert listed[subject_ref].records == dict(expected), subject_ref
        assert listed[subject_ref].categories == [c for c in ("identifiers", "contact", "appointments", "health",
                                                                "edocuments") if expected.get(c)]
    # The generator's own counts: every appointment, visit and e-document it made is in the copy.
    tables = scope["tables"]
    assert tables["scheduling_appointment"] == report.appointments
    assert tables["records_encounter"] == report.encounters
    assert tables["records_vitalsigns"] == report.vitals
    assert tables["records_allergy"] == report.allergies  # not the allergy added after the copy
    assert tables["edocs_prescription"] == report.prescriptions
    assert tables["edocs_referral"] == report.referrals
    assert tables["edocs_sickleave"] == report.sick_leaves
    categories = scope["categories"]
    assert categories["appointments"] == {"people": sum(1 for t in truth.values() if t["appointments"]),
                                          "records": report.appointments}
    assert categories["edocuments"]["records"] == sum(t["edocuments"] for t in truth.values())
    assert categories["staff"]["people"] == report.practitioners
    assert incident.severity["level"] == "very_high"
