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
from klinika.records.models import Allergy, Encounter
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
    assert "left out" not in out

    with clinic_context(clinic):
        counts = {"staff": Practitioner.objects.count(), "visit_types": VisitType.objects.count(),
                  "weekly_hours": WeeklyAvailability.objects.count(), "patients": Patient.objects.count(),
                  "appointments": Appointment.objects.count(), "encounters": Encounter.objects.count()}
        counts["allergies"] = Allergy.objects.count()
        assert counts == {name: manifest["counts"][name] for name in counts} and counts["encounters"] > 10
        assert counts["allergies"] > 0 and not Allergy.objects.filter(recorded_at__gte=timezone.now()).exists()
        assert {a.substance for a in Allergy.objects.all()} == {a["substance"] for a in records["allergies"]}
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
        past_only = ([a.created_at for a in stored.values()]
                     + [a.cancelled_at for a in stored.values() if a.cancelled_at]
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


def test_an_anonymized_dataset_loads_with_desk_valid_addresses(settings, tmp_path, capsys):
    from klinika.testdata.anonymize.records_io import anonymize_records_dir, write_ndjson
    from klinika.testdata.synth import reference

    signer = factory(settings)
    records = clinic_records(patients=60, seed=8)
    source = tmp_path / "records"
    source.mkdir()
    for name in ("patients", "appointments", "staff"):
        write_ndjson(source / f"{name}.ndjson", records[name])
    write_ndjson(source / "notes.ndjson", [])
    anonymize_records_dir(source, tmp_path / "anon.tar", recipient=services.new_recipient_key(), signer=signer,
                          k=2)
    call_command("testenv", "load", str(tmp_path / "anon.tar"), "--slug", "anonim")
    out = capsys.readouterr().out
    clinic = Clinic.objects.get(slug="anonim")
    manifest = services.loaded_dataset(clinic).manifest
    assert manifest["origin"] == "anonymized"
    towns = reference.towns()
    ranges = {}
    for i, town in enumerate(towns.town.tolist()):
        ranges.setdefault(town, []).append((int(towns.postal_first[i]), int(towns.postal_last[i])))
    with clinic_context(clinic):
        patients = list(Patient.objects.all())
        # a minor whose guardian was suppressed gets a made-up parent: the desk registers no minor alone
        made_up = int(out.split(" guardian(s) made up")[0].rsplit(" ", 1)[1])
        assert len(patients) == manifest["counts"]["patients"] + made_up and len(patients) > 20
        assert Appointment.objects.count() == manifest["counts"]["appointments"] > 20
        assert Practitioner.objects.count() == manifest["counts"]["staff"]
        assert f"{len(patients) - made_up} generalised address(es) completed" in out
        for patient in patients:
            clean_patient_data(patient_values(patient))  # the desk accepts the card as it is
            address = patient.address
            assert address["street"] and address["building"]
            code = int(address["postal_code"].replace("-", ""))
            assert any(low <= code <= high for low, high in ranges[address["city"]]), address
        now = timezone.now()
        assert not Appointment.objects.filter(status__in=["completed", "no_show"], starts_at__gte=now).exists()
        assert not Appointment.objects.filter(created_at__gte=now).exists()
        wards = list(Patient.objects.filter(guardian__isnull=False).select_related("guardian"))
        assert all(ward.guardian.age >= 18 for ward in wards)
        assert sum(ward.address == ward.guardian.address for ward in wards) >= made_up  # made up at the ward's home
        assert all(p.age >= 18 or p.guardian_id for p in patients)


def test_plain_records_overlaps_move_with_their_visit_records(clinic):
    """The API without a container: two visits of one doctor at one time (as per-patient date shifts
    leave them) become two, the second at the next free time, its signed record moved along."""
    from klinika.testdata.datasets.importer import desk_address, import_records

    records = clinic_records(patients=12, seed=3)
    doctor = next(s["id"] for s in records["staff"] if s["profession"] == "doctor")
    completed = [a for a in records["appointments"] if a["status"] == "completed"]
    first = completed[0]
    second = next(a for a in completed if a["patient"] != first["patient"])
    for row in (first, second):
        row["practitioner"] = doctor
    second.update(starts_at=first["starts_at"], ends_at=first["ends_at"], booked_at=first["booked_at"])
    encounter = next(e for e in records["encounters"] if e["appointment"] == second["id"])
    encounter.update(practitioner=doctor, started_at=second["starts_at"],
                     signed_at=(moment(second["ends_at"]) + datetime.timedelta(minutes=5)).isoformat())
    records["patients"][0]["address"] = {"city": "Kraków", "postal_prefix": "31", "voivodeship": "małopolskie"}
    ward = next(p for p in records["patients"] if p["guardian"] and not p["pesel_is_mothers"])
    ward.update(guardian=None, guardian_relation="")  # as when the anonymizer suppressed the guardian

    report = import_records(clinic, records, batch_size=7)  # small batches: wards wait across them
    assert report.moved == 1 and report.shift_days == 0 and report.guardians_made_up == 1
    assert report.counts["appointments"] == len(records["appointments"])
    length = moment(first["ends_at"]) - moment(first["starts_at"])
    with clinic_context(clinic):
        kept, moved = Appointment.objects.filter(
            status="completed", starts_at__in=[moment(first["starts_at"]), moment(first["starts_at"]) + length]
        ).order_by("starts_at")
        assert kept.practitioner_id == moved.practitioner_id and kept.patient_id != moved.patient_id
        assert moved.ends_at - moved.starts_at == length
        assert Encounter.objects.get(appointment=moved).signed_at == moment(encounter["signed_at"]) + length
        [stored_ward] = Patient.objects.matching(pesel=ward["pesel"])
        parent = stored_ward.guardian
        assert parent.age >= 18 and parent.last_name == ward["last_name"] and parent.sex == ward["sex"]
        assert parent.address == stored_ward.address and stored_ward.guardian_relation in ("mother", "father")
        assert Patient.objects.count() == len(records["patients"]) + 1 == report.counts["patients"] + 1
        pesel = records["patients"][0]["pesel"]
        address = Patient.objects.matching(pesel=pesel).first().address if pesel else None
    made = desk_address({"city": "Kraków", "postal_prefix": "31", "voivodeship": "małopolskie"},
                        records["patients"][0]["id"])
    assert made["city"] == "Kraków" and made["postal_code"].startswith("31-") and made["street"]
    assert address in (None, made)
    assert desk_address({"voivodeship": "podlaskie"}, "x1") == desk_address({"voivodeship": "podlaskie"}, "x1")


def test_a_plain_copy_is_never_loaded(settings, tmp_path):
    """The benchmark's untransformed copy (origin "copy") is refused before anything is written."""
    signer = factory(settings)
    records = clinic_records(patients=10)
    with DatasetWriter(tmp_path / "copy", origin="copy", recipient=services.new_recipient_key(), generator="tests",
                       parameters={"clinic_slug": "kopia"}) as writer:
        for name, rows in records.items():
            writer.add_records(f"{name}.jsonl", rows)
        writer.finish(signer)
    staged = set(services.staging_root().iterdir()) if services.staging_root().exists() else set()
    with pytest.raises(CommandError, match="loads only synthetic or anonymized data"):
        call_command("testenv", "load", str(tmp_path / "copy"))
    assert not Clinic.objects.filter(slug="kopia").exists()
    assert (set(services.staging_root().iterdir()) if services.staging_root().exists() else set()) == staged
