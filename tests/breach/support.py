"""Shared by the breach tests: a generated clinic, a copy of its database taken at one moment (the
"leak"), and the ground truth of what was in it, counted through the ORM and the generator's report."""
import sqlite3
import uuid
from collections import Counter, defaultdict

from django.db import connection

from klinika.edocs.models import Prescription, PrescriptionPackage, Referral, SickLeave
from klinika.notify.models import OutboundMessage
from klinika.patients.models import Patient, PatientIdentifier
from klinika.records.models import Allergy, Attachment, Encounter, EncounterVersion, VitalSigns
from klinika.scheduling.models import Appointment, WaitlistEntry
from klinika.tenancy.context import clinic_context


def copy_database(directory) -> str:
    """A copy of the clinic database as it is now (what a thief would carry away); returns its reference.

    SQLite: the online backup API through the test's own connection, so it holds what this test wrote.
    PostgreSQL: a new database from the test database as a template (the test must be transactional)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        path = directory / f"leak-{uuid.uuid4().hex[:8]}.sqlite3"
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return str(path)
    import psycopg

    name = f"leak_{uuid.uuid4().hex[:10]}"
    source = connection.settings_dict["NAME"]
    params = {k: v for k, v in {"host": connection.settings_dict.get("HOST"), "port": connection.settings_dict.get(
        "PORT"), "user": connection.settings_dict.get("USER"), "password": connection.settings_dict.get(
        "PASSWORD")}.items() if v}
    connection.close()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return f"pg:{name}"


def drop_copy(ref: str) -> None:
    if ref.startswith("pg:"):
        import psycopg

        params = {k: v for k, v in {"host": connection.settings_dict.get("HOST"), "port": connection.settings_dict.get(
            "PORT"), "user": connection.settings_dict.get("USER"), "password": connection.settings_dict.get(
            "PASSWORD")}.items() if v}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{ref[3:]}"')


def ground_truth(clinic) -> dict:
    """{subject_ref: Counter(category -> records)} for every patient of `clinic` now, through the ORM."""
    truth: dict = defaultdict(Counter)
    with clinic_context(clinic):
        ref_of = dict(Patient.objects.values_list("pk", "subject_ref"))
        for patient in Patient.objects.all():
            truth[patient.subject_ref]["identifiers"] += 1
            address = {k: v for k, v in (patient.address or {}).items() if k != "country" and v}
            if patient.phone or patient.email or address:
                truth[patient.subject_ref]["contact"] += 1
        for model, category in ((PatientIdentifier, "identifiers"), (Appointment, "appointments"),
                                (WaitlistEntry, "appointments"), (Encounter, "health"), (VitalSigns, "health"),
                                (Allergy, "health"), (Attachment, "health"), (Prescription, "edocuments"),
                                (PrescriptionPackage, "edocuments"), (Referral, "edocuments"),
                                (SickLeave, "edocuments")):
            for patient_id in model.objects.values_list("patient_id", flat=True):
                truth[ref_of[patient_id]][category] += 1
        for subject_ref in OutboundMessage.objects.filter(subject_ref__in=list(ref_of.values())).values_list(
                "subject_ref", flat=True):
            truth[subject_ref]["contact"] += 1
        for patient_id in EncounterVersion.objects.values_list("encounter__patient_id", flat=True):
            truth[ref_of[patient_id]]["health"] += 1
    return truth


def make_patients(clinic, n: int, *, start: int = 0) -> list:
    """`n` generated patients straight into the table (the registration rules are tested elsewhere): a name,
    sex, birth date, a phone of their own and every third an e-mail, sealed under each one's own key."""
    import datetime

    from klinika.crypto import keystore

    people = [Patient(clinic_id=clinic.pk, first_name=f"Imię{i}", last_name=f"Nazwisko{i}", sex="F" if i % 2 else "M",
                      birth_date=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), phone=f"5{i:08d}",
                      email=f"osoba{i}@example.org" if i % 3 == 0 else "")
              for i in range(start, start + n)]
    keystore.create_subject_keys(clinic.pk, [p.subject_ref for p in people])
    with clinic_context(clinic):
        Patient.objects.bulk_create(people, batch_size=1000)
    return people
