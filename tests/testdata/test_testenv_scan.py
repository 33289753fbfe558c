"""`klinika testenv scan DATASET` (production): a dataset production wrote is read back with its
audit key and checked against production's blind indexes and name lists. An anonymized dataset
scans clean; one with a real patient's PESEL, phone, e-mail or full name planted (structured or in
free text) is reported, masked, with exit code 1; after expiry, outside production, and for a
dataset without an audit key the scan refuses. Everyone here is generated."""
import copy
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command

from klinika.audit.context import Actor
from klinika.crypto import keystore
from klinika.patients.services.bulk import import_patients
from klinika.staff.services.bulk import import_practitioners
from klinika.testdata.anonymize import anonymize
from klinika.testdata.anonymize.production_scan import production_survivors, scan_dataset
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetRefused, DatasetWriter, Signer, open_dataset
from klinika.testdata.synth import generate_patients, generate_practitioners

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")
TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def production(settings, clinic):
    """A production clinic of 40 generated patients and 3 practitioners, stored through the bulk paths."""
    settings.KLINIKA_ENV = "production"
    staff = [dict(p, login=f"{clinic.slug}-{i}", id=f"s{i}") for i, p in
             enumerate(generate_practitioners(seed=3, doctors=2, nurses=1, reference_date=TODAY))]
    import_practitioners(clinic, staff, actor=IMPORTER)
    patients = [r for b in generate_patients(40, seed=5, batch_size=40, reference_date=TODAY) for r in b.rows()]
    import_patients(clinic, patients, actor=IMPORTER)
    return clinic, patients, staff


def _jsonable(records):
    return {name: [json.loads(json.dumps(r, default=str, ensure_ascii=False)) for r in rows]
            for name, rows in records.items()}


def anonymized(patients, staff):
    """The anonymizer's output for the clinic, with notes that named each patient before scrubbing."""
    notes = [{"id": n, "patient": p["id"], "encounter": None, "written_at": "2025-05-05T10:00:00+02:00",
              "text": f"Pacjent {p['first_name']} {p['last_name']}, tel. {p['phone'] or '-'}: kontrola za 3 mies."}
             for n, p in enumerate(patients[:10])]
    records, _report = anonymize(patients, [], notes, staff, k=2, today=TODAY)
    return _jsonable(records)


def write(path, records, *, signer=None, days=30, now=None):
    recipient = X25519PrivateKey.generate().public_key().public_bytes_raw()
    writer = DatasetWriter(path, origin="anonymized", recipient=recipient, generator="tests", k=2, days=days,
                           now=now)
    for name, rows in records.items():
        writer.add_records(f"{name}.jsonl", rows)
    return writer.finish(signer or services.factory_signer())


def scan(path, *clinics):
    """(exit code, output) of the command."""
    args = ["testenv", "scan", str(path)] + [a for slug in clinics for a in ("--clinic", slug)]
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_an_anonymized_dataset_scans_clean(production, tmp_path):
    clinic, patients, staff = production
    records = anonymized(patients, staff)
    code, output = scan(write(tmp_path / "clean.tar", records), clinic.slug)
    assert code == 0, output
    assert "clean" in output and f"scanned {sum(map(len, records.values()))} record(s)" in output


def test_planted_identifiers_are_reported_masked_with_exit_1(production, tmp_path):
    clinic, patients, staff = production
    real = [p for p in patients if p["pesel"] and p["phone"] and p["email"]][:3]
    doctor = staff[0]
    records = anonymized(patients, staff)
    planted = copy.deepcopy(records)
    # structured fields: one real patient's PESEL, another's phone, a doctor's e-mail and a real full name
    planted["patients"][0]["pesel"] = real[0]["pesel"]
    planted["patients"][1]["phone"] = real[1]["phone"]
    planted["staff"][0]["email"] = doctor["email"]
    planted["patients"][2]["first_name"], planted["patients"][2]["last_name"] = real[2]["first_name"], \
        real[2]["last_name"]
    # free text: spaced PESEL, phone with +48, e-mail glued to punctuation, a full name (and the doctor's licence)
    pesel = real[1]["pesel"]
    phone = real[0]["phone"].replace("+48 ", "")
    planted["notes"][0]["text"] = (
        f"Rozmowa z {real[0]['first_name']} {real[0]['last_name']} (PESEL {pesel[:6]} {pesel[6:]}), "
        f"tel. +48 {phone}, e-mail: {real[2]['email']}. Konsultacja lek. {doctor['licence_number']}.")
    path = write(tmp_path / "planted.tar", planted)

    code, output = scan(path, clinic.slug)
    assert code == 1
    for value in (real[0]["pesel"], pesel, pesel[:6], phone, phone.replace(" ", ""), real[1]["phone"],
                  doctor["email"], real[2]["email"], real[0]["last_name"], real[2]["last_name"],
                  doctor["licence_number"]):
        assert value not in output  # masked: never the value
    assert "identifier(s) survived" in output

    survivors = scan_dataset(path).survivors
    found = {(s.kind, s.record_type, s.field) for s in survivors}
    assert {("PESEL", "patients", "pesel"), ("PHONE", "patients", "phone"), ("EMAIL", "staff", "email"),
            ("NAME", "patients", "first_name+last_name"), ("PESEL", "notes", "text"), ("PHONE", "notes", "text"),
            ("EMAIL", "notes", "text"), ("NAME", "notes", "text"), ("LICENCE", "notes", "text")} <= found
    assert all(s.hint.endswith("…") and len(s.hint) <= 3 for s in survivors)
    # nothing else: the rest of the anonymized output is clean
    assert len(survivors) == len(found)


def test_names_count_only_first_and_last_together(production, make_clinic):
    clinic, patients, _staff = production
    person = patients[0]
    first, last = person["first_name"], person["last_name"]
    alone = [{"id": 1, "first_name": "Zbigniew", "last_name": last, "reason": f"Pani {last} dzwoniła"},
             {"id": 2, "first_name": first, "last_name": "Brzezowski-Wrzos", "text": f"{first} przyszła"}]
    assert production_survivors({"patients.jsonl": alone}, clinics=[clinic]) == []
    reversed_order = [{"id": 3, "text": f"Rozmawiano z {last} {first} o wynikach."}]
    assert [s.kind for s in production_survivors({"notes": reversed_order}, clinics=[clinic.slug])] == ["NAME"]

    # four namesakes: five people share the name. From the source clinic it is still reported (no
    # pseudonym bears a source surname); compared with other clinics (name_k) it identifies nobody.
    namesakes = [dict(r, first_name=first, last_name=last, guardian=None) for b in generate_patients(
        4, seed=99, batch_size=4, reference_date=TODAY) for r in b.rows()]
    import_patients(clinic, namesakes, actor=IMPORTER)
    assert len(production_survivors({"notes": reversed_order}, clinics=[clinic])) == 1
    assert production_survivors({"notes": reversed_order}, clinics=[clinic], name_k=5) == []
    assert len(production_survivors({"notes": reversed_order}, clinics=[clinic], name_k=6)) == 1
    # names of another clinic's people are not this dataset's source
    assert production_survivors({"notes": reversed_order}, name_clinics=[make_clinic()]) == []


def test_scan_refuses_after_expiry_and_the_audit_key_is_destroyed(production, tmp_path, settings):
    clinic, patients, staff = production
    path = write(tmp_path / "short", anonymized(patients, staff), days=1)
    assert scan_dataset(path).survivors == []
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    with pytest.raises(DatasetRefused, match="Expired dataset"):
        scan_dataset(path, now=later)

    dataset_id = open_dataset(path, [services.factory_public_key()], datetime.datetime.now(datetime.UTC)).dataset_id
    services.expire_datasets(now=later)  # the worker's round, in production too
    with pytest.raises(DatasetRefused, match="audit key was destroyed"):
        scan_dataset(path)
    assert keystore.expired_keys(services.AUDIT_KEY_OWNER, later) == []  # destroyed, not just past its date
    code, output = scan(path)
    assert code == 1 and "destroyed" in output and str(dataset_id) in output


def test_scan_refuses_outside_production_and_datasets_without_an_audit_key(production, tmp_path, settings):
    clinic, patients, staff = production
    factory = services.factory_signer()
    old = write(tmp_path / "old", {"staff": anonymized(patients, staff)["staff"]},
                signer=Signer(factory.private_key, factory.root_fingerprint))  # as before audit keys
    with pytest.raises(DatasetRefused, match="carries no audit key"):
        scan_dataset(old)

    settings.KLINIKA_ENV = "staging"
    code, output = scan(old)
    assert code == 1 and "KLINIKA_ENV=production" in output


def test_a_test_environment_ignores_the_audit_key(settings, tmp_path):
    """The audit wrap is for production only: a dataset with it loads as before, and its audit
    key opens nothing in the test environment (it is not in that keystore)."""
    settings.KLINIKA_ENV = "test"
    recipient = services.new_recipient_key()
    factory = Signer(Ed25519PrivateKey.generate(), "f" * 64, audit_key_for=lambda _id, _expires: (
        X25519PrivateKey.generate().public_key().public_bytes_raw()))
    settings.KLINIKA_DATASET_FACTORY_KEYS = __import__("base64").b64encode(
        factory.private_key.public_key().public_bytes_raw()).decode()
    writer = DatasetWriter(tmp_path / "ds", origin="synthetic", recipient=recipient, generator="tests")
    writer.add_records("patients.jsonl", [{"id": 1}])
    loaded = services.load_dataset(writer.finish(factory))
    assert "audit_key" in loaded.manifest and list(loaded.records("patients.jsonl")) == [{"id": 1}]
    with pytest.raises(services.NotProduction):
        scan_dataset(tmp_path / "ds")
