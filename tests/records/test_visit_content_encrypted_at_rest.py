"""Visit notes, diagnoses, measurements and allergies are ciphertext in the database, under the patient's key."""
import pytest

from klinika.crypto import keystore
from klinika.crypto.fields import ERASED
from klinika.records import services
from klinika.records.models import Allergy, EncounterVersion, VitalSigns
from tests.records.world import raw_rows

pytestmark = pytest.mark.django_db


def test_nothing_clinical_is_readable_in_the_tables(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    services.amend(ctx.doctor_user, encounter.pk, {**visit, "recommendations": "Zalecenie tajne"}, "powód tajny")
    services.record_vitals(ctx.users["nurse"], ctx.woman.pk, {"bp_systolic": 187, "bp_diastolic": 111})
    services.add_allergy(ctx.doctor_user, ctx.woman.pk, substance="Penicylina", reaction="obrzęk")
    dump = b""
    for model in (EncounterVersion, VitalSigns, Allergy):
        for row in raw_rows(f"SELECT * FROM {model._meta.db_table}"):
            dump += b"|".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
    for secret in ["Ból gardła", "J06.9", "Ostra infekcja", "89.00", "Zalecenie tajne", "powód tajny",
                   '"bp_systolic"', "Penicylina", "obrzęk", '"diagnoses"']:
        assert secret.encode() not in dump, secret


def test_erasing_the_patients_key_erases_the_visit(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    keystore.erase_subject(ctx.clinic.pk, ctx.woman.subject_ref)
    assert EncounterVersion.objects.get(encounter=encounter).content is ERASED
