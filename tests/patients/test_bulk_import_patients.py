"""Bulk import of patients: desk rules per row, sealed under each patient's own key, searchable, audited."""
import pytest

from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.audit.verify import verify
from klinika.bulk import ImportRejected
from klinika.crypto import keystore
from klinika.crypto.models import DataKey
from klinika.patients import services
from klinika.patients.models import IdentifierKind, Patient, PatientIdentifier
from klinika.patients.services.bulk import import_patients
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import generate_patients

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


def generated_rows(n=120, seed=7):
    return [row for batch in generate_patients(n, seed=seed, batch_size=n) for row in batch.rows()]


def test_imported_patients_read_back_equal_and_are_found_at_the_desk(clinic, registrar):
    rows = generated_rows()
    result = import_patients(clinic, rows, actor=IMPORTER, chunk_size=50)
    assert result.count == len(rows) == 120
    keystore.forget_cached_keys()  # read back through the keystore, not the import's cache
    with clinic_context(clinic):
        for row in rows:
            patient = Patient.objects.get(pk=result.ids[row["id"]])
            assert (patient.first_name, patient.last_name, patient.sex) == (
                row["first_name"], row["last_name"], row["sex"])
            assert patient.pesel == row["pesel"] and patient.birth_date.isoformat() == str(row["birth_date"])
            assert patient.phone == row["phone"] and patient.email == row["email"]
            assert patient.address["city"] == row["address"]["city"]
            assert patient.address["postal_code"] == row["address"]["postal_code"]
            assert patient.document_number == row["document_number"]
            if row["guardian"] is not None:
                assert patient.guardian_id == result.ids[row["guardian"]]
                assert patient.guardian_relation == row["guardian_relation"]
        with_pesel = next(r for r in rows if r["pesel"] and not r["pesel_is_mothers"])
        found = services.search_patients(registrar, with_pesel["pesel"])
        assert [hit.patient.pk for hit in found.hits] == [result.ids[with_pesel["id"]]]
        found = services.search_patients(registrar, with_pesel["last_name"])
        assert result.ids[with_pesel["id"]] in [hit.patient.pk for hit in found.hits]
        identifiers = PatientIdentifier.objects.filter(kind=IdentifierKind.PESEL).count()
        assert identifiers == sum(1 for r in rows if r["pesel"])
        refs = set(Patient.objects.values_list("subject_ref", flat=True))
        events = AuditEvent.objects.filter(object_type="patient", action="create", reason="imported")
        assert events.count() == 120 and set(events.values_list("subject_ref", flat=True)) == refs
    keys = DataKey.objects.using("keystore").filter(clinic_id=clinic.id, purpose="subject", subject_ref__in=refs)
    assert keys.count() == 120  # each patient its own key
    assert verify(clinic.pk).ok


def test_a_bad_row_names_row_and_field_and_its_chunk_is_not_stored(clinic):
    rows = generated_rows(60)
    adults = [i for i, r in enumerate(rows) if r["pesel"] and not r["pesel_is_mothers"] and r["guardian"] is None]
    bad = adults[-1]
    rows[bad] = dict(rows[bad], pesel=rows[bad]["pesel"][:10] + str((int(rows[bad]["pesel"][10]) + 1) % 10))
    chunk_size = 20
    with pytest.raises(ImportRejected) as caught:
        import_patients(clinic, rows, actor=IMPORTER, chunk_size=chunk_size)
    problems = caught.value.problems
    assert [(p.row, p.field) for p in problems] == [(bad, "pesel")]
    assert f"row {bad}, pesel" in str(caught.value)
    stored_chunks = bad // chunk_size
    assert caught.value.stored == stored_chunks * chunk_size
    with clinic_context(clinic):
        assert Patient.objects.count() == stored_chunks * chunk_size
        assert AuditEvent.objects.filter(object_type="patient").count() == stored_chunks * chunk_size


def test_a_pesel_already_registered_is_refused(clinic, make_clinic):
    rows = generated_rows(40)
    import_patients(clinic, rows, actor=IMPORTER)
    again = next(r for r in rows if r["pesel"] and not r["pesel_is_mothers"] and r["guardian"] is None)
    with pytest.raises(ImportRejected) as caught:
        import_patients(clinic, [dict(again, id=None)], actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [(0, "pesel")]
    twice = [dict(again, id=None), dict(again, id=None)]
    with pytest.raises(ImportRejected) as caught:
        import_patients(clinic, twice, actor=IMPORTER)
    assert {(p.row, p.field) for p in caught.value.problems} >= {(1, "pesel")}
    with clinic_context(clinic):
        assert Patient.objects.count() == 40
    assert import_patients(make_clinic(), rows, actor=IMPORTER).count == 40  # another clinic: its own patients
