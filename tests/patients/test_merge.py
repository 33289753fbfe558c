"""Merging duplicate records: everything moves to the survivor, revert moves it back, confirm makes it final."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from klinika.accounts.models import StaffMember
from klinika.audit.models import AuditEvent
from klinika.lifecycle.services import erase_subject
from klinika.patients import services
from klinika.patients.models import Patient, PatientIdentifier, PatientMerge
from klinika.scheduling.models import Appointment, VisitType, WaitlistEntry
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(register, registrar, doctor, clinic):
    """Two records of one woman (a typo in the PESEL), the duplicate holding an appointment and a ward."""
    survivor = register(pesel=make_pesel(datetime.date(1980, 2, 3), "F", 111))
    merged = register(pesel=make_pesel(datetime.date(1980, 2, 3), "F", 112), first_name="Ana")
    ward = register(pesel=make_pesel(timezone.localdate() - datetime.timedelta(days=400), "M", 5),
                    first_name="Jaś", guardian_id=merged.pk, guardian_relation="mother")
    with clinic_context(clinic):
        member = StaffMember(user=doctor, first_name="Jan", last_name="Lekarz")
        member.save()
        practitioner = Practitioner(staff=member, profession="doctor", licence_number="5425740")
        practitioner.save()
        visit_type = VisitType(code="first", name="First visit", duration_minutes=20)
        visit_type.save()
        start = timezone.now() + datetime.timedelta(days=2)
        appointment = Appointment(patient=merged, practitioner=practitioner, visit_type=visit_type, starts_at=start,
                                  ends_at=start + datetime.timedelta(minutes=20), reason="kontrola po zabiegu")
        appointment.save()
        waiting = WaitlistEntry(patient=merged, visit_type=visit_type, earliest=timezone.localdate(),
                                latest=timezone.localdate() + datetime.timedelta(days=30))
        waiting.save()
    return {"survivor": survivor, "merged": merged, "ward": ward, "appointment": appointment, "waiting": waiting}


def test_a_merge_moves_every_related_row_and_retires_the_duplicate(pair, admin, clinic):
    survivor, merged = pair["survivor"], pair["merged"]
    with clinic_context(clinic):
        merge = services.merge_patients(admin, survivor.pk, merged.pk)
        assert merge.state == PatientMerge.State.PENDING
        assert Appointment.objects.get(pk=pair["appointment"].pk).patient_id == survivor.pk
        assert WaitlistEntry.objects.get(pk=pair["waiting"].pk).patient_id == survivor.pk
        assert Patient.objects.get(pk=pair["ward"].pk).guardian_id == survivor.pk
        retired = Patient.objects.get(pk=merged.pk)
        assert (retired.is_active, retired.merged_into_id) == (False, survivor.pk)
        identifiers = PatientIdentifier.objects.filter(patient=survivor)
        assert sorted((i.value, i.replaced_at is None) for i in identifiers) == sorted(
            [(survivor.pesel, True), (merged.pesel, False)])
        # the duplicate's PESEL now finds the survivor
        hits = services.search_patients(admin, merged.pesel).hits
        assert [h.patient.pk for h in hits] == [survivor.pk]
        events = AuditEvent.objects.filter(object_type="patient-merge", object_id=str(merge.pk))
        assert {e.subject_ref for e in events} == {survivor.subject_ref, merged.subject_ref}


def test_moved_rows_are_re_encrypted_under_the_survivors_key(pair, admin, clinic):
    with clinic_context(clinic):
        services.merge_patients(admin, pair["survivor"].pk, pair["merged"].pk)
        services.confirm_merge(admin, PatientMerge.objects.get().pk)
    # erasing the retired duplicate's key must not take the moved appointment with it
    assert erase_subject(clinic, pair["merged"].subject_ref, reason="duplicate record")
    with clinic_context(clinic):
        assert Appointment.objects.get(pk=pair["appointment"].pk).reason == "kontrola po zabiegu"


def test_revert_puts_everything_back(pair, admin, clinic):
    survivor, merged = pair["survivor"], pair["merged"]
    with clinic_context(clinic):
        merge = services.merge_patients(admin, survivor.pk, merged.pk)
        later = services.register_patient(admin, {"first_name": "Nowy", "last_name": "Podopieczny",
                                                  "pesel": make_pesel(datetime.date(2020, 1, 1), "M", 9),
                                                  "guardian_id": survivor.pk, "guardian_relation": "mother"})
        services.revert_merge(admin, merge.pk)
        assert Appointment.objects.get(pk=pair["appointment"].pk).patient_id == merged.pk
        assert Appointment.objects.get(pk=pair["appointment"].pk).reason == "kontrola po zabiegu"
        assert Patient.objects.get(pk=pair["ward"].pk).guardian_id == merged.pk
        assert Patient.objects.get(pk=later.pk).guardian_id == survivor.pk  # made after the merge: stays
        restored = Patient.objects.get(pk=merged.pk)
        assert (restored.is_active, restored.merged_into_id) == (True, None)
        assert [i.replaced_at for i in PatientIdentifier.objects.filter(patient=merged)] == [None]
        assert PatientMerge.objects.get().state == PatientMerge.State.REVERTED
        with pytest.raises(ValidationError):
            services.confirm_merge(admin, merge.pk)


def test_a_confirmed_merge_cannot_be_reverted(pair, admin, clinic):
    with clinic_context(clinic):
        merge = services.merge_patients(admin, pair["survivor"].pk, pair["merged"].pk)
        services.confirm_merge(admin, merge.pk)
        with pytest.raises(ValidationError, match="already"):
            services.revert_merge(admin, merge.pk)
        assert Patient.objects.get(pk=pair["merged"].pk).merged_into_id == pair["survivor"].pk


@pytest.mark.parametrize("role", ["registrar", "doctor", "nurse", "dpo"])
def test_only_a_clinic_admin_merges(pair, staff, clinic, role):
    with clinic_context(clinic):
        with pytest.raises(PermissionDenied):
            services.merge_patients(staff[role], pair["survivor"].pk, pair["merged"].pk)
        assert not PatientMerge.objects.exists()
        assert Appointment.objects.get(pk=pair["appointment"].pk).patient_id == pair["merged"].pk


def test_impossible_merges_are_refused_and_change_nothing(pair, admin, clinic):
    survivor, merged, ward = pair["survivor"], pair["merged"], pair["ward"]
    with clinic_context(clinic):
        with pytest.raises(ValidationError, match="two different"):
            services.merge_patients(admin, survivor.pk, survivor.pk)
        with pytest.raises(ValidationError, match="guardian or ward"):
            services.merge_patients(admin, ward.pk, merged.pk)
        with pytest.raises(Http404):
            services.merge_patients(admin, survivor.pk, "not-a-number")
        merge = services.merge_patients(admin, survivor.pk, merged.pk)
        with pytest.raises(ValidationError):
            services.merge_patients(admin, merged.pk, survivor.pk)
        assert PatientMerge.objects.count() == 1 and merge.state == "pending"


def test_the_merge_screens(pair, admin, staff, clinic, client_for):
    survivor, merged = pair["survivor"], pair["merged"]
    client = client_for(admin)
    page = client.get(f"/patients/{survivor.pk}/merge/")
    assert page.status_code == 200 and f'name="other" value="{merged.pk}"' in page.content.decode()
    done = client.post(f"/patients/{survivor.pk}/merge/", {"other": merged.pk, "survivor": "this"})
    assert done.status_code == 302 and done["Location"] == f"/patients/{survivor.pk}/"
    with clinic_context(clinic):
        merge = PatientMerge.objects.get()
    listing = client.get("/patients/merges/").content.decode()
    assert f"/patients/merges/{merge.pk}/revert/" in listing
    assert client.post(f"/patients/merges/{merge.pk}/revert/").status_code == 302
    assert client.post(f"/patients/merges/{merge.pk}/revert/").status_code == 400  # already reverted

    registrar = client_for(staff["registrar"])
    assert registrar.get(f"/patients/{survivor.pk}/merge/").status_code == 403
    assert registrar.get("/patients/merges/").status_code == 403
    assert registrar.post(f"/patients/merges/{merge.pk}/confirm/").status_code == 403
    assert "/merge/" not in registrar.get(f"/patients/{survivor.pk}/").content.decode()
