"""A signed version never changes, whatever path tries: service, API, model save, QuerySet.update, raw SQL.

Run on SQLite and on PostgreSQL (DATABASE_URL): the last two paths meet the database triggers.
"""
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.functions import Now

from klinika.records import services
from klinika.records.models import EncounterVersion, SignedRecordError
from tests.records.world import api_client, raw_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    return EncounterVersion.objects.get(encounter=encounter)


def _unchanged(version):
    table = EncounterVersion._meta.db_table
    (row,) = raw_rows(f"SELECT content, signed_at, amendment_reason FROM {table} WHERE id = %s", [version.pk])
    return bytes(row[0]) == bytes(version._stored_content) and row[1] is not None


@pytest.fixture
def stored(signed):
    table = EncounterVersion._meta.db_table
    signed._stored_content = bytes(raw_rows(f"SELECT content FROM {table} WHERE id = %s", [signed.pk])[0][0])
    return signed


def test_the_service_refuses_to_edit_a_signed_visit(ctx, stored, visit):
    for operation in (services.save_draft, services.sign):
        with pytest.raises(ValidationError) as caught:
            operation(ctx.doctor_user, stored.encounter_id, {**visit, "interview": "changed"})
        assert "signed and can no longer be edited" in caught.value.messages[0]
    assert _unchanged(stored)


def test_the_api_refuses_to_edit_a_signed_visit(ctx, stored, visit):
    client = api_client(ctx.doctor_user)
    response = client.put(f"/api/records/encounters/{stored.encounter_id}/draft",
                          json.dumps({**visit, "interview": "changed"}), content_type="application/json")
    assert response.status_code == 400
    assert "write an amendment" in json.dumps(response.json(), ensure_ascii=False)
    assert _unchanged(stored)


def test_a_model_save_raises(ctx, stored):
    version = EncounterVersion.objects.get(pk=stored.pk)
    version.content = {**version.content, "interview": "changed"}
    with pytest.raises(SignedRecordError):
        version.save()
    with pytest.raises(SignedRecordError):
        version.delete()
    assert _unchanged(stored)


def test_queryset_update_is_stopped_by_the_database(ctx, stored):
    # Encrypted columns refuse update() already; a plain column reaches the trigger.
    with pytest.raises((IntegrityError, DatabaseError)):
        with transaction.atomic():
            EncounterVersion.objects.filter(pk=stored.pk).update(signed_at=Now())
    with pytest.raises((IntegrityError, DatabaseError)):
        with transaction.atomic():
            EncounterVersion.objects.filter(pk=stored.pk).update(number=99)
    with pytest.raises((IntegrityError, DatabaseError)):
        with transaction.atomic():
            EncounterVersion.objects.filter(pk=stored.pk).delete()
    assert _unchanged(stored)


def test_raw_sql_is_stopped_by_the_database(ctx, stored):
    table = EncounterVersion._meta.db_table
    for statement in (f"UPDATE {table} SET content = NULL WHERE id = %s",
                      f"UPDATE {table} SET signed_at = NULL WHERE id = %s",
                      f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises((IntegrityError, DatabaseError)) as caught:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [stored.pk])
        assert "signed visit records are never changed" in str(caught.value)
    assert _unchanged(stored)
