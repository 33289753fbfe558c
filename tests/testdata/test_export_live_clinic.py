"""The exporter reads a live clinic as klinika-records/v1: the desk's fields decrypted as the desk
shows them, each signed visit's latest signed version, the diagnoses of a patient's signed visits,
the same records whatever the chunk size; a crypto-erased person is left out with everything of
theirs. The plain copy (the benchmark's baseline) writes that export as it is and is refused in
production."""
import pytest

from klinika.lifecycle.services import erase_subject
from klinika.patients.models import Patient
from klinika.patients.services import patient_values
from klinika.records.models import Encounter, EncounterVersion
from klinika.tenancy.context import clinic_context
from klinika.testdata.export import ClinicExport, copy_clinic_dataset, export_files
from tests.testdata.live_clinic_support import build, factory_and_recipient, read_dataset, records_of

pytestmark = pytest.mark.django_db


def _export(clinic, chunk_size=500) -> dict[str, list]:
    with clinic_context(clinic):
        export = ClinicExport(clinic, chunk_size=chunk_size)
        return {name: list(items) for name, items in export_files(export, export.staff(), export.patients()).items()}


def test_the_export_is_the_clinic_as_its_services_show_it():
    clinic, planted = build(patients=120)
    records = _export(clinic)
    with clinic_context(clinic):
        desk = {p.pk: patient_values(p) for p in Patient.objects.all()}
        signed = {}
        for version in EncounterVersion.objects.filter(signed_at__isnull=False).select_related("encounter"):
            if version.number >= signed.get(version.encounter_id, (0, None))[0]:
                signed[version.encounter_id] = (version.number, version.content, version.encounter.patient_id)
        assert Encounter.objects.filter(status=Encounter.Status.SIGNED).count() == len(records["encounters"])
    assert len(records["patients"]) == len(desk) == 120
    for person in records["patients"]:
        values = desk[person["id"]]
        for field in ("first_name", "last_name", "pesel", "birth_date", "sex", "document_number", "phone", "email",
                      "address", "guardian_relation"):
            assert person[field] == values[field], field
        assert person["guardian"] == values["guardian_id"]
        assert set(person["diagnoses"]) == {d["code"] for _n, content, patient in signed.values()
                                            if patient == person["id"] for d in content["diagnoses"]}
    amended = {e["id"]: e for e in records["encounters"] if e["id"] in planted["amended"]}
    assert len(amended) == 4 and all(e["content"]["interview"].startswith("Pacjent ") for e in amended.values())
    for e in records["encounters"]:
        assert [d["code"] for d in e["content"]["diagnoses"]] == [d["code"] for d in signed[e["id"]][1]["diagnoses"]]
    staff = records["staff"]
    assert staff and all(s["licence_number"] and s["profession"] for s in staff)
    assert sum(bool(s["specialties"]) for s in staff) >= 1 and {s["sex"] for s in staff} <= {"M", "F", None}
    assert len(records["allergies"]) == planted["allergies_total"] and len(records["vitals"]) == planted["vitals_total"]
    # chunks of 7 patients (keys loaded and dropped per chunk): the same records
    assert _export(clinic, chunk_size=7) == records


def test_a_crypto_erased_patient_is_left_out_with_everything_of_theirs():
    clinic, planted = build(patients=60)
    with clinic_context(clinic):
        encounter = Encounter.objects.select_related("patient").get(pk=planted["amended"][0])
        person = encounter.patient
        ward = Patient.objects.filter(guardian__isnull=False).select_related("guardian").first()
    erase_subject(clinic, person.subject_ref, "test: erased on request")
    erase_subject(clinic, ward.guardian.subject_ref, "test: erased on request")
    records = _export(clinic)
    ids = {p["id"] for p in records["patients"]}
    assert person.pk not in ids and ward.guardian_id not in ids and ward.pk in ids
    assert next(p for p in records["patients"] if p["id"] == ward.pk)["guardian"] is None
    for name in ("appointments", "encounters", "allergies", "vitals"):
        assert {r["patient"] for r in records[name]} <= ids, name


def test_the_plain_copy_writes_the_export_as_it_is_and_never_in_production(settings, tmp_path):
    clinic, _planted = build(patients=60)
    signer, recipient = factory_and_recipient()
    counts = copy_clinic_dataset(clinic, tmp_path / "copy.tar", signer=signer,
                                 recipient=recipient.public_key().public_bytes_raw())
    copied = records_of(read_dataset(tmp_path / "copy.tar", signer, recipient))
    export = _export(clinic)
    assert counts == {name: len(items) for name, items in export.items()}
    assert {p["pesel"] for p in copied["patients"]} == {p["pesel"] for p in export["patients"]}
    assert len(copied["encounters"]) == len(export["encounters"]) > 10
    settings.KLINIKA_ENV = "production"
    with pytest.raises(PermissionError, match="never made in production"):
        copy_clinic_dataset(clinic, tmp_path / "refused.tar", signer=signer,
                            recipient=recipient.public_key().public_bytes_raw())
    assert not (tmp_path / "refused.tar").exists()
