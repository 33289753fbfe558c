"""Nothing on legal hold is erased, approved or not; after release (and approval) it is."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from klinika.lifecycle.retention import services
from klinika.patients.models import Patient
from klinika.records.models import Attachment
from klinika.tenancy.context import clinic_context

from .conftest import at

pytestmark = pytest.mark.django_db


def test_a_held_patient_is_kept_until_the_hold_is_released(world, old):
    patient = old.patient(at(2001, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue()
        hold = services.place_hold(world.users["dpo"], str(patient.subject_ref), "Sygn. akt I C 123/26")
        assert [row.held for row in services.queue_rows()] == [True]
        services.approve(world.users["dpo"])
        report = services.run()
        assert [i.ref for i in report.held] == [patient.subject_ref] and not report.erased
        assert Patient.objects.get(pk=patient.pk).last_name == patient.last_name

        services.release_hold(world.users["admin"], hold.public_id, "Wyrok prawomocny")
        assert [i.ref for i in services.run().erased] == [patient.subject_ref]


def test_a_patient_held_before_approval_is_erased_after_release_and_approval(world, old):
    patient = old.patient(at(2001, 2, 2))
    with clinic_context(world.clinic):
        hold = services.place_hold(world.users["admin"], str(patient.subject_ref), "Kontrola NFZ")
        services.refresh_queue()
        assert not services.run().erased
        services.release_hold(world.users["dpo"], hold.public_id, "Kontrola zakończona")
        assert not services.run().erased  # released, but nobody approved yet
        services.approve(world.users["dpo"])
        assert [i.ref for i in services.run().erased] == [patient.subject_ref]


def test_a_held_record_keeps_itself_and_its_patient(world, old, file_store):
    patient = old.patient(at(2001, 2, 2))
    xray = old.attachment(patient, at(2001, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue()
        assert {row.item.ref for row in services.queue_rows()} == {patient.subject_ref, xray.public_id}
        services.place_hold(world.users["dpo"], str(xray.public_id), "Spór o błąd w opisie")
        services.approve(world.users["dpo"])
        report = services.run()
        assert {i.ref for i in report.held} == {patient.subject_ref, xray.public_id} and not report.erased
        assert Attachment.objects.filter(public_id=xray.public_id).exists()
        assert Patient.objects.get(pk=patient.pk).last_name == patient.last_name


def test_holds_need_a_reason_a_known_id_and_the_right_role(world, old, make_clinic, people):
    patient = old.patient(at(2001, 2, 2))
    dpo = world.users["dpo"]
    with clinic_context(world.clinic):
        with pytest.raises(ValidationError):
            services.place_hold(dpo, str(patient.subject_ref), "  ")
        with pytest.raises(ValidationError):
            services.place_hold(dpo, "12", "powód")
        with pytest.raises(PermissionDenied):
            services.place_hold(world.doctor_user, str(patient.subject_ref), "powód")
        hold = services.place_hold(dpo, str(patient.subject_ref), "powód")
        with pytest.raises(ValidationError):
            services.place_hold(dpo, str(patient.subject_ref), "drugi raz")
        with pytest.raises(ValidationError):
            services.release_hold(dpo, hold.public_id, "")
    other = make_clinic()
    from tests.records.world import build

    theirs = build(other, people)
    with clinic_context(other):  # another clinic's ids are not found
        with pytest.raises(Http404):
            services.place_hold(theirs.users["dpo"], str(patient.subject_ref), "powód")
        with pytest.raises(Http404):
            services.release_hold(theirs.users["dpo"], hold.public_id, "powód")
