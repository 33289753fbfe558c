"""Migration 0007 brings in one PESEL, one patient on a database that already has live records
sharing a PESEL: the oldest keeps it as its own, each later one is marked "legacy" shared for a
clinic admin to review, and from then on the constraint holds. Only blind indexes are compared."""
import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("patients", "0006_death_date_and_cause")
PESEL = make_pesel(datetime.date(1980, 2, 3), "F")


def migrate(target=None):
    executor = MigrationExecutor(connection)
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(target).apps if target else None


def test_records_that_shared_a_pesel_before_the_rule_are_marked_for_review(clinic):
    apps = migrate(BEFORE)
    try:
        old_patient = apps.get_model("patients", "Patient")
        old_patient.encryption_subject_ref = lambda self: self.subject_ref

        def row(**fields):
            made = old_patient(clinic_id=clinic.pk, **({"first_name": "Anna", "last_name": "Kowalska", "pesel": PESEL,
                                                         "birth_date": datetime.date(1980, 2, 3), "sex": "F"} | fields))
            made.save()
            return made.pk

        first, second, third = row(), row(first_name="Anita"), row(first_name="Ewa")
        baby = row(first_name="Zosia", pesel_is_mothers=True, birth_date=datetime.date.today(), guardian_id=first)
        merged = row(first_name="Anna", is_active=False, merged_into_id=first)
        alone = row(pesel=make_pesel(datetime.date(1980, 2, 3), "F", 777))
    finally:
        migrate()
    with clinic_context(clinic):
        shared = dict(Patient.objects.values_list("pk", "pesel_shared"))
        assert shared == {first: "", second: "legacy", third: "legacy", baby: "", merged: "", alone: ""}
        with pytest.raises(IntegrityError), transaction.atomic():
            Patient(clinic=clinic, first_name="Ola", last_name="Nowak", pesel=PESEL,
                    birth_date=datetime.date(1980, 2, 3), sex="F").save()
