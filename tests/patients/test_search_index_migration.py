"""Migration 0008 gives existing patients their surname search indexes, computed as the field
computes them; going back restores the old whole-surname index. An erased patient gets none."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from klinika.crypto import blind
from klinika.lifecycle.services import erase_subject
from klinika.patients import services
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult, make_pesel

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("patients", "0007_one_pesel_one_patient")
COLUMNS = ("last_name_index", "last_name_first_part_index", "last_name_last_part_index", "last_name_prefix_index")


def migrate(target=None):
    executor = MigrationExecutor(connection)
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


def stored(pk, columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM patients_patient WHERE id = %s", [pk])
        return tuple(None if v is None else bytes(v) for v in cursor.fetchone())


def test_existing_patients_get_their_search_indexes_and_lose_them_going_back(clinic, registrar):
    with clinic_context(clinic):
        kept = services.register_patient(registrar, adult(last_name="Wójcik-Żółkiewska"), confirm_duplicates=True)
        erased = services.register_patient(registrar, adult(last_name="Ciemięga", first_name="Ola",
                                                 pesel=make_pesel(datetime.date(1990, 5, 6))),
                                           confirm_duplicates=True)
        expected = stored(kept.pk, COLUMNS)
    erase_subject(clinic, erased.subject_ref, "test")
    try:
        migrate(BEFORE)
        old = blind.compute(clinic.pk, "patients_patient.last_name", blind.normalise_text("Wójcik-Żółkiewska"))
        assert stored(kept.pk, ("last_name_index",)) == (old,)
        assert stored(erased.pk, ("last_name_index",)) == (None,)
    finally:
        migrate()
    assert stored(kept.pk, COLUMNS) == expected and all(expected)
    assert stored(erased.pk, COLUMNS) == (None,) * 4
    with clinic_context(clinic):
        assert [h.patient.pk for h in services.search_patients(registrar, "zolkiewska").hits] == [kept.pk]
        assert Patient.objects.count() == 2
