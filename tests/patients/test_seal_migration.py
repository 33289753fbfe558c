"""Migration 0005 seals a patient's ten encrypted columns into one, and unseals them going back.

The patients are written by the schema of 0004 (one ciphertext per column), so the test
reads exactly what an existing database holds.
"""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from klinika.crypto import keystore
from klinika.crypto.fields import ERASED
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("patients", "0004_identifier_subject_ref")
MEMBERS = ("first_name", "last_name", "pesel", "document_number", "document_country", "birth_date", "sex",
           "address", "phone", "email")


def migrate(target=None):
    """Migrates to `target` (and returns its apps), or with no target to the latest state of every app."""
    executor = MigrationExecutor(connection)
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(target).apps if target else None


def columns() -> set:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, "patients_patient")}


def expected(data: dict) -> dict:
    return {name: data.get(name) for name in MEMBERS}


@pytest.fixture
def old_patients(clinic, people):
    """Three patients as the code of 0004 stored them: a Polish one, a foreigner, an erased one."""
    apps = migrate(BEFORE)
    try:
        old_patient = apps.get_model("patients", "Patient")
        # What the model of 0004 had, and EncryptedField.pre_save asks for: the historical model lacks methods.
        old_patient.encryption_subject_ref = lambda self: self.subject_ref
        people_data = {
            "polish": people.with_id_card(people.patient()) | {
                "first_name": "Zażółć", "last_name": "Gęślą-Jaźń",
                "address": {"street": "Źródlana", "building": "7a", "apartment": "12", "postal_code": "90-001",
                            "city": "Łódź", "country": "PL"},
            },
            "foreigner": people.foreigner(),  # no PESEL (""), no e-mail (""), no address (NULL)
            "erased": people.patient(),
        }
        made = {}
        for name, data in people_data.items():
            row = old_patient(clinic_id=clinic.pk, **data)
            row.save()
            made[name] = (row.pk, data)
        keystore.erase_subject(clinic.pk, old_patient._base_manager.get(pk=made["erased"][0]).subject_ref)
        assert "personal" not in columns() and set(MEMBERS) <= columns()
        yield clinic, made
    finally:
        migrate()  # every other test expects the latest schema


def assert_sealed_values(clinic, made):
    """Through the current model: every value as written, the erased patient's as ERASED."""
    with clinic_context(clinic):
        for name in ("polish", "foreigner"):
            pk, data = made[name]
            patient = Patient.objects.get(pk=pk)
            assert {member: getattr(patient, member) for member in MEMBERS} == expected(data), name
        erased = Patient.objects.get(pk=made["erased"][0])
        assert all(getattr(erased, member) is ERASED for member in MEMBERS)


def assert_column_values(apps, made):
    """Through the model of 0004: each column decrypts to its value again."""
    old_patient = apps.get_model("patients", "Patient")
    for name in ("polish", "foreigner"):
        pk, data = made[name]
        row = old_patient._base_manager.get(pk=pk)
        assert {member: getattr(row, member) for member in MEMBERS} == expected(data), name
    erased = old_patient._base_manager.get(pk=made["erased"][0])
    assert all(getattr(erased, member) is ERASED for member in MEMBERS)


# One test, not one per direction: each migration back costs Django a render of every app's
# historical models (tens of seconds on a busy machine).
def test_sealing_and_unsealing_keep_every_value(old_patients):
    clinic, made = old_patients

    migrate()
    assert "personal" in columns() and not set(MEMBERS) & columns()
    assert_sealed_values(clinic, made)
    polish, foreigner = made["polish"], made["foreigner"]
    with clinic_context(clinic):
        assert [p.pk for p in Patient.objects.matching(pesel=polish[1]["pesel"])] == [polish[0]]
        assert [p.pk for p in Patient.objects.matching(last_name="gęślą-jaźń")] == [polish[0]]
        assert [p.pk for p in Patient.objects.matching(document_number=foreigner[1]["document_number"])] == [
            foreigner[0]]

    apps = migrate(BEFORE)
    assert "personal" not in columns() and set(MEMBERS) <= columns()
    assert_column_values(apps, made)

    migrate()
    assert_sealed_values(clinic, made)
