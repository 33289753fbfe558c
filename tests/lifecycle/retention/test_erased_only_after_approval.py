"""A record past its period is erased only once the clinic approved it, and only while it is still due."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from klinika.crypto.fields import ERASED
from klinika.lifecycle.retention import services
from klinika.lifecycle.retention.models import RetentionItem
from klinika.patients.models import Patient
from klinika.records.models import Attachment
from klinika.tenancy.context import clinic_context

from .conftest import at

pytestmark = pytest.mark.django_db
PERSONAL = ["first_name", "last_name", "pesel", "birth_date", "sex", "address", "phone", "email"]


def test_a_patient_past_the_period_is_erased_only_after_approval(world, old):
    patient = old.patient(at(2001, 2, 2))
    old.measurement(patient, at(2003, 5, 5))
    with clinic_context(world.clinic):
        services.refresh_queue()
        assert not services.run().erased  # due, not approved: nothing happens
        assert Patient.objects.get(pk=patient.pk).last_name == patient.last_name

        approved = services.approve(world.users["dpo"], [str(patient.subject_ref)])
        assert [(i.ref, i.approved_by) for i in approved] == [(patient.subject_ref, world.users["dpo"])]
        report = services.run()

        assert [i.ref for i in report.erased] == [patient.subject_ref]
        erased = Patient.objects.get(pk=patient.pk)
        assert all(getattr(erased, name) is ERASED for name in PERSONAL)  # the key is gone: nothing decrypts
        assert not Patient.objects.matching(pesel=patient.pesel).exists()  # nor is it findable
        assert RetentionItem.objects.get(ref=patient.subject_ref).erased_at is not None
        assert Patient.objects.get(pk=world.woman.pk).last_name == world.woman.last_name  # others untouched
        assert not services.run().erased  # a second run has nothing left to do
        services.refresh_queue()
        assert patient.subject_ref not in {row.item.ref for row in services.queue_rows()}


def test_an_approved_patient_with_a_new_entry_is_kept(world, old):
    patient = old.patient(at(2001, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue()
        services.approve(world.users["admin"])
    old.measurement(patient, at(2026, 1, 10))  # seen again after the approval
    with clinic_context(world.clinic):
        report = services.run()
        assert [i.ref for i in report.no_longer_due] == [patient.subject_ref] and not report.erased
        assert Patient.objects.get(pk=patient.pk).last_name == patient.last_name
        services.refresh_queue()
        assert not services.queue_rows()  # and it leaves the queue with its approval


def test_an_approved_xray_is_deleted_with_its_file(world, old, file_store):
    patient = old.patient(at(2024, 1, 1))
    xray = old.attachment(patient, at(2012, 4, 4))
    stored = file_store / xray.storage_name
    assert stored.exists()
    with clinic_context(world.clinic):
        services.refresh_queue()
        assert [row.item.ref for row in services.queue_rows()] == [xray.public_id]
        assert not services.run().erased and stored.exists()
        services.approve(world.users["dpo"], [str(xray.public_id)])
        assert [i.ref for i in services.run().erased] == [xray.public_id]
        assert not Attachment.objects.filter(public_id=xray.public_id).exists()
        assert Patient.objects.get(pk=patient.pk).last_name == patient.last_name  # the patient stays
    assert not stored.exists()


def test_an_erased_patient_takes_the_records_merged_into_it(world, old):
    survivor = old.patient(at(2001, 2, 2))
    duplicate = old.patient(at(2001, 3, 3))
    with clinic_context(world.clinic):
        Patient.objects.filter(pk=duplicate.pk).update(merged_into=survivor, is_active=False)
        services.refresh_queue()
        assert [row.item.ref for row in services.queue_rows()] == [survivor.subject_ref]
        services.approve(world.users["dpo"])
        services.run()
        assert Patient.objects.get(pk=duplicate.pk).last_name is ERASED


def test_approving_what_is_not_in_the_queue_changes_nothing(world, old):
    patient = old.patient(at(2001, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue()
        with pytest.raises(Http404):
            services.approve(world.users["dpo"], [str(patient.subject_ref), str(world.woman.subject_ref)])
        with pytest.raises(ValidationError):
            services.approve(world.users["dpo"], ["not-an-id"])
        assert not RetentionItem.objects.filter(approved_at__isnull=False).exists()


def test_only_the_dpo_and_the_clinic_admin_approve(world, old):
    from django.core.exceptions import PermissionDenied

    old.patient(at(2001, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue()
        for role in ("doctor", "nurse", "registrar"):
            with pytest.raises(PermissionDenied):
                services.approve(world.users[role])
        assert len(services.approve(world.users["admin"])) == 1


def test_a_due_date_that_changes_drops_the_approval(world, old):
    patient = old.patient(at(2001, 2, 2))
    old.measurement(patient, at(2002, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue(datetime.date(2023, 1, 1))
        services.approve(world.users["dpo"])
        # the 2002 entry is found to have been made in 2001 (a corrected import, say): another due date
        from klinika.records.models import VitalSigns

        VitalSigns.objects.filter(patient=patient).update(recorded_at=at(2001, 12, 1))
        services.refresh_queue(datetime.date(2023, 1, 1))
        item = RetentionItem.objects.get(ref=patient.subject_ref)
        assert item.due_on == datetime.date(2022, 1, 1) and item.approved_at is None
