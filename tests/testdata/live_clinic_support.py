"""Shared by the live-clinic export/anonymize tests: a small generated clinic built through the
real services (`build_clinic`'s bulk paths), with identifiers of its own people planted where
free text lives: an amended visit record, an appointment's reason, an allergy's reaction. Plus
vital signs. Everyone in it is generated; no real personal data."""
import datetime
import json
import os
from collections import Counter

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from klinika.patients.models import Patient
from klinika.records import services as records
from klinika.records.models import Allergy, Encounter, VitalSigns
from klinika.staff.models import Practitioner, Profession
from klinika.tenancy.context import clinic_context
from klinika.testdata.datasets.container import Signer, open_dataset
from klinika.testdata.synth_clinic import build_clinic

PATIENTS = 400
SEED = 23
PLANTED = 4  # patients whose visit record, allergy and appointment mention their identifiers


def planted_text(person: Patient, doctor) -> str:
    address = person.address or {}
    return (f"Pacjent {person.first_name} {person.last_name}, PESEL {person.pesel or 'brak'}, tel. {person.phone}, "
            f"e-mail {person.email}, zam. {address.get('street', '')} {address.get('building', '')}, "
            f"{address.get('postal_code', '')} {address.get('city', '')}, dokument {person.document_number or '-'}. "
            f"Konsultowany z dr {doctor.last_name}.")


def build(name: str = "Przychodnia Jawna", slug: str = "jawna", patients: int = PATIENTS):
    """The clinic and what was planted: {"amended": [encounter pk], "allergies": n, "vitals": n}."""
    report = build_clinic(name, slug=slug, patients=patients, years=0.5, seed=SEED, batch_size=patients)
    clinic = report.clinic
    planted = {"amended": [], "allergies": 0, "vitals": 0}
    with clinic_context(clinic):
        doctor = (Practitioner.objects.select_related("staff__user").filter(profession=Profession.DOCTOR)
                  .order_by("pk").first())
        user = doctor.staff.user
        signed = Encounter.objects.filter(status=Encounter.Status.SIGNED).order_by("pk").select_related("patient",
                                                                                                     "current")
        chosen, seen = [], set()
        for encounter in signed:
            if encounter.patient_id not in seen:
                seen.add(encounter.patient_id)
                chosen.append(encounter)
            if len(chosen) == PLANTED:
                break
        for encounter in chosen:
            person = encounter.patient
            content = dict(encounter.current.content, interview=planted_text(person, doctor.staff))
            content["recommendations"] = f"Kontrola za 2 tygodnie, zadzwonić: {person.phone}."
            records.amend(user, encounter.pk, content, "uzupełnienie wywiadu")
            planted["amended"].append(encounter.pk)
            records.add_allergy(user, person.pk, substance="penicylina",
                                reaction=f"wysypka; zgłosiła {person.first_name} {person.last_name}, {person.email}",
                                severity="moderate")
            planted["allergies"] += 1
            records.record_vitals(user, person.pk, {"bp_systolic": 128, "bp_diastolic": 82, "pulse": 71},
                                  encounter_id=encounter.pk)
            planted["vitals"] += 1
        # the generator records allergies and measurements of its own besides the planted ones
        planted["allergies_total"] = Allergy.objects.count()
        planted["vitals_total"] = VitalSigns.objects.count()
    return clinic, planted


def factory_and_recipient():
    """A stand-in data factory and a test environment's recipient key (what production and
    `klinika testenv recipient-key` would hold)."""
    return Signer(Ed25519PrivateKey.generate(), os.urandom(32).hex()), X25519PrivateKey.generate()


def read_dataset(path, signer: Signer, recipient: X25519PrivateKey) -> dict[str, str]:
    """Every content file of a dataset, decrypted as its recipient would: {name: text}."""
    dataset = open_dataset(path, [signer.private_key.public_key().public_bytes_raw()],
                           datetime.datetime.now(datetime.UTC))
    try:
        key = dataset.unwrap_key(recipient.private_bytes_raw())
        return {name: b"".join(dataset.chunks(name, key)).decode() for name in dataset.names()}
    finally:
        dataset.close()


def records_of(content: dict[str, str]) -> dict[str, list[dict]]:
    return {name.removesuffix(".jsonl"): [json.loads(line) for line in text.splitlines()]
            for name, text in content.items() if name.endswith(".jsonl")}


def quasi_groups(patients: list[dict], rare: set) -> Counter:
    """Released patients by their quasi-identifiers as released (rare codes as such or as chapters)."""
    return Counter((p["birth_year"], p["sex"], p["address"].get("postal_code"), p["address"].get("city"),
                    p["address"].get("voivodeship"), p["address"].get("macroregion"), p["document_country"],
                    tuple(sorted(c for c in p.get("diagnoses", ()) if c in rare or c.startswith("ICD-10"))))
                   for p in patients)
