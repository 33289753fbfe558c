"""`klinika testenv load` imports a dataset's records into its new clinic through the bulk import
services: patients found at the desk by PESEL, guardians linked, visits and signed records with their
intervals kept (every event moved back by one common number of days when some lay in the future),
counts as the manifest says; a bad row loads nothing; after expiry nothing imported can be read."""
import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.crypto.fields import ERASED
from klinika.patients.cleaning import clean_patient_data
from klinika.patients.models import Patient
from klinika.patients.services import patient_values, search_patients
from klinika.records.models import Encounter
from klinika.scheduling.models import Appointment, VisitType, WeeklyAvailability
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetWriter
from klinika.testdata.models import DatasetProvenance
from tests.testdata.dataset_records_support import clinic_records
from tests.testdata.dataset_support import factory

pytestmark = pytest.mark.django_db


def write_dataset(path, signer, records: dict) -> str:
    with DatasetWriter(path, origin="synthetic", recipient=services.new_recipient_key(), generator="tests",
                       parameters={"clinic_slug": "zbior", "clinic_name": "Zbiór testowy"}) as writer:
        for name, rows in records.items():
            writer.add_records(f"{name}.jsonl", rows)
        writer.finish(signer)
    return str(path)


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def registrar(django_user_model):
    def make(clinic):
        return django_user_model.objects.create_user(f"rejestracja-{clinic.slug}", "x-correct-horse",
                                                     role="registrar", clinic=clinic)
    return make


def test_load_imports_every_record_with_intervals_kept(settings, tmp_path, capsys, registrar):
    signer = factory(settings)
    records = clinic_records(patients=40, days_ahead=30)  # completed visits up to a month from now
    call_command("testenv", "load", write_dataset(tmp_path / "ds", signer, records))
    out = capsys.readouterr().out
    clinic = Clinic.objects.get(slug="zbior")
    manifest = services.loaded_dataset(clinic).manifest
    shift = int(out.split("events moved back ")[1].split(" ")[0])
    assert 28 <= shift <= 32, out
    assert "left out allergies: no bulk import path for allergies yet" in out

    with clinic_context(clinic):
        counts = {"staff": Practitioner.objects.count(), "visit_types": VisitType.objects.count(),
                  "weekly_hours": WeeklyAvailability.objects.count(), "patients": Patient.objects.count(),
                  "appointments": Appointment.objects.count(), "encounters": Encounter.objects.count()}
        assert counts == {name: manifest["counts"][name] for name in counts} and counts["encounters"] > 10
        assert f"imported staff {counts['staff']}, visit_types 2, weekly_hours {counts['weekly_hours']}" in out

        # found at the desk by PESEL; guardians linked to the right people; every card passes the desk
        desk = registrar(clinic)
        by_pesel = {}
        for source in records["patients"]:
            if source["pesel"] and not source["pesel_is_mothers"]:
                [hit] = search_patients(desk, source["pesel"]).hits
                by_pesel[source["pesel"]] = hit.patient
        source_by_id = {p["id"]: p for p in records["patients"]}
        wards = [p for p in records["patients"] if p["guardian"] and not p["pesel_is_mothers"]]
        assert wards
        for ward in wards:
            guardian = source_by_id[ward["guardian"]]
            assert by_pesel[ward["pesel"]].guardian.pesel == guardian["pesel"]
        for patient in Patient.objects.all():
            clean_patient_data(patient_values(patient))

        # every event moved back by the same whole days: intervals, statuses and signatures kept
        now = timezone.now()
        stored = {(a.patient_id, a.starts_at): a for a in Appointment.objects.all()}
        moved = datetime.timedelta(days=shift)
        signed = {e.appointment_id: e.signed_at for e in Encounter.objects.all()}
        for source in records["appointments"]:
            person = source_by_id[source["patient"]]
            if not person["pesel"] or person["pesel_is_mothers"]:
                continue
            appointment = stored[by_pesel[person["pesel"]].pk, moment(source["starts_at"]) - moved]
            assert appointment.status == source["status"]
            assert appointment.ends_at - appointment.starts_at == moment(source["ends_at"]) - moment(
                source["starts_at"])
            assert appointment.created_at == moment(source["booked_at"]) - moved
            if source["status"] in ("completed", "no_show"):
                assert appointment.starts_at < now
        # the smallest shift: the latest past-only event is less than a day before now
        past_only = ([a.created_at for a in stored.values()] + [a.cancelled_at for a in stored.values() if a.cancelled_at]
                     + [a.starts_at for a in stored.values() if a.status in ("completed", "no_show")]
                     + list(signed.values()))
        assert now - datetime.timedelta(days=1) <= max(past_only) < now
        checked = 0
        for source in records["encounters"]:
            person = source_by_id[source["patient"]]
            if person["pesel"] and not person["pesel_is_mothers"]:
                appointment = stored[by_pesel[person["pesel"]].pk, moment(source["started_at"]) - moved]
                assert signed[appointment.pk] == moment(source["signed_at"]) - moved
                checked += 1
        assert checked > 10
        actors = set(AuditEvent.objects.filter(reason="imported").values_list("actor_role", flat=True))
        assert actors == {"dataset-importer"}


def test_a_bad_row_loads_nothing(settings, tmp_path):
    signer = factory(settings)
    records = clinic_records(patients=30)
    bad = records["patients"][6]
    bad["pesel"] = bad["pesel"][:-1] + str((int(bad["pesel"][-1]) + 1) % 10) if bad["pesel"] else "12345678901"
    path = write_dataset(tmp_path / "ds", signer, records)
    with pytest.raises(CommandError) as refused:
        call_command("testenv", "load", path)
    message = str(refused.value)
    assert "\n" not in message and message.startswith("patients.jsonl record 7, field pesel: "), message
    assert "nothing was loaded" in message
    clinic = Clinic.objects.get(slug="zbior")
    assert clinic.status == Clinic.Status.TERMINATED  # shredded: what went in before the bad row is unreadable
    assert not Clinic.objects.filter(status=Clinic.Status.ACTIVE).exists()
    with clinic_context(clinic):
        row = DatasetProvenance.objects.get()
        assert {p.last_name for p in Patient.objects.all()} <= {ERASED}
    assert not (services.staging_root() / str(row.dataset_id)).exists()
    assert services.unsafe_clinics() == []
    assert [s.state for s in services.status()] == ["shredded"]


def test_expired_dataset_leaves_imported_patients_unreadable(settings, tmp_path):
    signer = factory(settings)
    loaded = services.load_dataset(write_dataset(tmp_path / "ds", signer, clinic_records(patients=20)),
                                   import_records=True)
    with clinic_context(loaded.clinic):
        assert Patient.objects.count() == loaded.manifest["counts"]["patients"] == loaded.imported.counts["patients"]
        assert all(isinstance(p.last_name, str) and p.last_name for p in Patient.objects.all())
        after = DatasetProvenance.objects.get().expires_at + datetime.timedelta(seconds=1)
    assert [g.slug for g in services.expire_datasets(now=after)] == ["zbior"]
    with clinic_context(loaded.clinic):
        patients = list(Patient.objects.all())
        assert patients and all(p.last_name is ERASED and p.pesel is ERASED for p in patients)
        assert all(e.current.content is ERASED for e in Encounter.objects.select_related("current"))
