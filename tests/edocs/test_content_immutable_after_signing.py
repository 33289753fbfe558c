"""Once signed, an e-document's content never changes: the database refuses it, whatever path tries.

A wrong e-ZLA is cancelled and reissued instead (a new document pointing at the old one).
"""
import pytest
from django.db import IntegrityError, connection, transaction

from klinika.edocs import services
from klinika.edocs.models import DocStatus, Prescription, Referral, SickLeave
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_package, signed_referral, signed_sick_leave
from tests.edocs.world import sick_leave_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Prescription, Referral, SickLeave])
def test_a_model_save_of_new_content_is_refused_by_the_database(world, model):
    with clinic_context(world.clinic):
        signed = {Prescription: lambda: signed_package(world).prescriptions.first(),
                  Referral: lambda: signed_referral(world), SickLeave: lambda: signed_sick_leave(world)}[model]()
        document = model.objects.get(pk=signed.pk)
        original = dict(document.content)
        document.content = original | {"dosage": "changed", "purpose": "changed", "to": "2099-01-01"}
        with pytest.raises(IntegrityError), transaction.atomic():
            document.save()
        assert model.objects.get(pk=signed.pk).content == original


def test_a_raw_sql_update_is_refused_and_bookkeeping_still_changes(world):
    package = signed_package(world)
    with clinic_context(world.clinic):
        rx = package.prescriptions.first()
        table = Prescription._meta.db_table
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET content = %s WHERE id = %s", [b"forged", rx.pk])
        with connection.cursor() as cursor:  # status and platform bookkeeping are not content
            cursor.execute(f"UPDATE {table} SET last_error = %s WHERE id = %s", ["note", rx.pk])
        rx.refresh_from_db()
        assert rx.last_error == "note" and rx.content["dosage"]


def test_a_draft_may_still_change(world):
    with clinic_context(world.clinic):
        leave = services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk, data=sick_leave_data())
        leave.content = leave.content | {"indication": 1}
        leave.save()
        leave.refresh_from_db()
        assert leave.status == DocStatus.DRAFT and leave.content["indication"] == 1


def test_cancel_and_reissue_keeps_the_old_one_and_links_the_new(world):
    old = signed_sick_leave(world)
    with clinic_context(world.clinic):
        new = services.reissue_sick_leave(world.doctor, old.pk, data=sick_leave_data(icd10="J20.9"))
        old.refresh_from_db()
        assert old.status == DocStatus.CANCELLED and old.cancelled_at is not None
        assert old.content["icd10"] == "J06.9"
        assert new.reissue_of_id == old.pk and new.status == DocStatus.DRAFT and new.number != old.number
        assert new.content["icd10"] == "J20.9"
        services.sign(world.doctor, "zla", new.pk)
        new.refresh_from_db()
        assert new.status == DocStatus.SUBMITTED
        with pytest.raises(Exception) as again:
            services.reissue_sick_leave(world.doctor, old.pk, data=sick_leave_data())
        assert "already reissued" in str(again.value)
