"""Bulk import of measurements and allergies: the single services' rules per row, the real past moment kept,
sealed under the patient's key, one audit event each; a bad row is named and its chunk stores nothing."""
import datetime

import pytest
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.bulk import ImportRejected
from klinika.records import services
from klinika.records.models import Allergy, VitalSigns
from klinika.records.services.bulk_clinical import import_allergies, import_vitals
from tests.records.world import raw_rows

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


def stored_bytes(table) -> bytes:
    return b"|".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                     for row in raw_rows(f"SELECT * FROM {table}") for v in row)


def test_measurements_keep_their_day_and_go_in_sealed(ctx):
    then = timezone.now() - datetime.timedelta(days=400)
    doctor = ctx.doctor_user.pk
    result = import_vitals(ctx.clinic, [
        {"patient_id": ctx.woman.pk, "values": {"bp_systolic": 128, "bp_diastolic": 82, "pulse": 71,
                                                "weight_kg": 64.5, "height_cm": 168, "pregnancy_week": 12},
         "recorded_by_id": doctor, "recorded_at": then},
        {"patient_id": ctx.man.pk, "values": {"temperature": "38,4"}, "recorded_by_id": doctor, "recorded_at": then},
    ], actor=IMPORTER)
    stored = [VitalSigns.objects.get(pk=pk) for pk in result.ids]
    assert [s.recorded_at for s in stored] == [then, then]
    assert stored[0].values["bmi"] == 22.9 and stored[1].values == {"temperature": 38.4}
    assert b'"bp_systolic"' not in stored_bytes("records_vitalsigns")
    events = AuditEvent.objects.filter(action="create", reason="imported", object_type="vital-signs")
    assert sorted(int(e.object_id) for e in events) == sorted(result.ids)
    # A single measurement taken now is still stamped now.
    now = services.record_vitals(ctx.doctor_user, ctx.man.pk, {"pulse": 80})
    assert abs((now.recorded_at - timezone.now()).total_seconds()) < 60


def test_allergies_keep_their_day_and_go_in_sealed(ctx):
    then = timezone.now() - datetime.timedelta(days=30)
    result = import_allergies(ctx.clinic, [
        {"patient_id": ctx.woman.pk, "substance": "penicylina", "reaction": "pokrzywka", "severity": "moderate",
         "recorded_by_id": ctx.doctor_user.pk, "recorded_at": then},
        {"patient_id": ctx.man.pk, "substance": "pyłki traw", "recorded_by_id": ctx.doctor_user.pk,
         "recorded_at": then, "is_active": False},
    ], actor=IMPORTER)
    first, second = (Allergy.objects.get(pk=pk) for pk in result.ids)
    assert (first.substance, first.severity, first.recorded_at) == ("penicylina", "moderate", then)
    assert not second.is_active
    assert b"penicylina" not in stored_bytes("records_allergy")
    assert AuditEvent.objects.filter(reason="imported", object_type="allergy").count() == 2


def test_bad_rows_are_named_and_nothing_is_stored(ctx, make_clinic):
    doctor, then = ctx.doctor_user.pk, timezone.now() - datetime.timedelta(days=3)
    with pytest.raises(ImportRejected) as caught:
        import_vitals(ctx.clinic, [
            {"patient_id": ctx.woman.pk, "values": {"pulse": 70}, "recorded_by_id": doctor, "recorded_at": then},
            {"patient_id": ctx.woman.pk, "values": {"pulse": 700}, "recorded_by_id": doctor, "recorded_at": then},
            {"patient_id": ctx.man.pk, "values": {"pregnancy_week": 20}, "recorded_by_id": doctor,
             "recorded_at": then},
            {"patient_id": ctx.man.pk, "values": {"pulse": 70}, "recorded_by_id": doctor,
             "recorded_at": timezone.now() + datetime.timedelta(days=1)},
            {"patient_id": 10**9, "values": {"pulse": 70}, "recorded_by_id": doctor, "recorded_at": then},
        ], actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (1, "pulse"), (2, "pregnancy_week"), (3, "recorded_at"), (4, "patient")]
    outsider = ctx.users["registrar"].pk + 10**6
    with pytest.raises(ImportRejected) as caught:
        import_allergies(ctx.clinic, [
            {"patient_id": ctx.woman.pk, "substance": "lateks", "recorded_by_id": doctor, "recorded_at": then},
            {"patient_id": ctx.woman.pk, "substance": " ", "recorded_by_id": doctor, "recorded_at": then},
            {"patient_id": ctx.woman.pk, "substance": "jad osy", "severity": "deadly", "recorded_by_id": doctor},
            {"patient_id": ctx.woman.pk, "substance": "nikiel", "recorded_by_id": outsider},
        ], actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (1, "substance"), (2, "severity"), (3, "recorded_by")]
    assert not VitalSigns.objects.exists() and not Allergy.objects.exists()
    assert not AuditEvent.objects.filter(reason="imported").exists()
