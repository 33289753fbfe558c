"""The demo clinic looks like a clinic in use, because it was filled the way one is: its registry
and its history (earlier visits with their real times, the doctors' signed records of them) came
in through the bulk import paths a clinic moving to klinika takes, with the desk's rules,
encryption and audit in force and nothing dated back afterwards; from the moment it began, the
desk and the doctors checked in, measured, drafted, booked, cancelled and moved through the same
services (and so with the same audit trail) as real use.

The demo is seeded on a Wednesday at 11:20 (the clock is the one fake here), so that "today" has a
morning behind it and an afternoon ahead, whatever day the suite runs on.
"""
import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.audit.verify import verify
from klinika.bulk import IMPORTED
from klinika.patients.models import ContactChannel, IdentifierNote, Patient, PatientIdentifier
from klinika.records.models import Encounter, VitalSigns
from klinika.records.summary import patient_summary
from klinika.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry
from klinika.tenancy.context import clinic_context
from klinika.testdata.demo import seed_demo
from klinika.testdata.demo_appointments import LEEWAY
from tests.scheduling.world import ensure_specialty_code_list

pytestmark = pytest.mark.django_db
S = AppointmentStatus
WARSAW = ZoneInfo("Europe/Warsaw")


def next_wednesday_morning() -> datetime.datetime:
    """After today (generated birth dates count back from the real date, so never before it)."""
    day = datetime.date.today() + datetime.timedelta(days=1)
    while day.weekday() != 2:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(11, 20), tzinfo=WARSAW)


def test_the_demo_clinic_was_filled_the_way_a_clinic_in_use_is():
    """One seeding (it takes seconds), three checks."""
    ensure_specialty_code_list()
    now = next_wednesday_morning()
    with mock.patch("django.utils.timezone.now", return_value=now.astimezone(datetime.timezone.utc)):
        result = seed_demo(patients=40, seed=11)
        with clinic_context(result.clinic):
            patients_were_imported_with_the_desks_rules(result)
            history_was_imported_and_today_went_through_the_desk(result, now)
            seen_patients_have_signed_visits_on_the_doctors_summary(now)


def patients_were_imported_with_the_desks_rules(result):
    patients = list(Patient.objects.all())
    created = AuditEvent.objects.filter(clinic_id=result.clinic.pk, object_type="patient", action="create")
    assert {e.object_id for e in created} == {str(p.pk) for p in patients}
    assert {e.reason for e in created} == {IMPORTED}
    assert len(patients) == result.patients > 40  # a parent for each minor, newborns, foreigners
    assert all(p.consent_updated_at is not None for p in patients)

    # Every identifier on record, and the history of one that changed at the desk today.
    current = PatientIdentifier.objects.filter(replaced_at__isnull=True)
    assert {i.patient_id for i in current} == {p.pk for p in patients}
    replaced = PatientIdentifier.objects.filter(replaced_at__isnull=False, reason=IdentifierNote.OWN_PESEL)
    assert replaced.count() == 1
    baby = str(replaced.get().patient_id)
    changed = AuditEvent.objects.filter(object_type="patient", action="update", object_id=baby)
    assert {e.actor_role for e in changed} == {Role.REGISTRAR}
    assert any(p.document_type == "id_card" and p.pesel for p in patients)

    # Contacts and consents as a desk records them: most agree to SMS, some prefer e-mail, some want none.
    adults = [p for p in patients if p.age >= 18]
    with_sms = [p for p in adults if p.consent_sms]
    assert 0.5 <= len(with_sms) / len(adults)
    assert {ContactChannel.SMS, ContactChannel.EMAIL, ContactChannel.NONE} <= {p.preferred_channel for p in patients}
    assert all(p.phone for p in patients if p.consent_sms) and all(p.email for p in patients if p.consent_email)

    # Minors have an adult guardian (and no e-mail of their own); a newborn has its mother's PESEL.
    minors = [p for p in patients if p.age < 18]
    assert minors and all(p.guardian_id and p.guardian.age >= 18 and not p.email for p in minors)
    assert any(p.pesel_is_mothers and p.pesel == p.guardian.pesel for p in minors)
    foreigners = [p for p in patients if not p.pesel]
    assert foreigners and all(p.document_type == "passport" and p.document_country != "PL" for p in foreigners)


def history_was_imported_and_today_went_through_the_desk(result, now):
    today = now.date()
    appointments = list(Appointment.objects.select_related("booked_by"))
    todays = [a for a in appointments if a.starts_at.astimezone(WARSAW).date() == today]
    done = [a for a in todays if a.ends_at <= now]
    assert done and {a.status for a in done} <= {S.COMPLETED, S.NO_SHOW}
    in_progress = [a for a in todays if a.starts_at <= now < a.ends_at]
    assert all(a.status == S.CHECKED_IN for a in in_progress)
    assert S.BOOKED in {a.status for a in todays if a.starts_at > now}

    # History: everything booked before the demo began was imported in the state it reached, with
    # its own times (booked days before, checked in before the visit, cancelled before it), and
    # nothing of what was over was changed afterwards.
    created = {e.object_id: e for e in AuditEvent.objects.filter(object_type="appointment", action="create")}
    changes = AuditEvent.objects.filter(object_type="appointment", action="update")
    history = [a for a in appointments if a.starts_at < now + LEEWAY]
    assert {created[str(a.pk)].reason for a in history} == {IMPORTED}
    assert {S.COMPLETED, S.NO_SHOW, S.CANCELLED} <= {a.status for a in history}
    assert all(a.created_at < a.starts_at and a.booked_by is None for a in history)
    assert all(a.checked_in_at < a.starts_at for a in history if a.status == S.COMPLETED)
    assert all(a.cancel_reason and a.created_at <= a.cancelled_at < a.starts_at for a in history
               if a.status == S.CANCELLED)
    over = {str(a.pk) for a in history if a.ends_at <= now}
    assert not changes.filter(object_id__in=over).exists()
    # Patients due now were checked in at the desk, through the service that audits it.
    for appointment in in_progress:
        assert {(e.reason, e.actor_role) for e in changes.filter(object_id=str(appointment.pk))} == {
            (S.CHECKED_IN, Role.REGISTRAR)}

    # The weeks ahead were booked by the registrars, one audited booking each; some were called off or moved.
    ahead = [a for a in appointments if a.starts_at >= now + LEEWAY]
    assert ahead and {a.booked_by.role for a in ahead} == {Role.REGISTRAR}
    bookings = AuditEvent.objects.filter(object_type="appointment", action="create", actor_role=Role.REGISTRAR)
    assert {e.object_id for e in bookings} == {str(a.pk) for a in ahead}
    moved = {a.rescheduled_from_id for a in ahead if a.rescheduled_from_id}
    assert moved
    called_off = [a for a in ahead if a.status == S.CANCELLED and a.pk not in moved]
    assert called_off and all(a.cancel_reason for a in called_off)
    assert WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).count() >= 2
    assert verify(result.clinic.pk).ok


def seen_patients_have_signed_visits_on_the_doctors_summary(now):
    seen = Appointment.objects.filter(status=S.COMPLETED, practitioner__profession="doctor")
    encounters = {e.appointment_id: e for e in Encounter.objects.filter(appointment__in=seen)}
    assert set(encounters) == {a.pk for a in seen}
    for appointment in seen:
        encounter = encounters[appointment.pk]
        assert encounter.status == Encounter.Status.SIGNED
        assert encounter.started_at == appointment.starts_at  # dated as the visit, not as the seeding
        assert appointment.ends_at <= encounter.signed_at <= now
        assert encounter.current.signed_at == encounter.signed_at
        assert [d["main"] for d in encounter.current.content["diagnoses"]] == [True]
    # A visit still going on is a draft; today's patients were measured.
    in_the_room = Appointment.objects.filter(status=S.CHECKED_IN, starts_at__lte=now, practitioner__profession="doctor")
    assert {e.appointment_id for e in Encounter.objects.filter(status=Encounter.Status.DRAFT)} == {
        a.pk for a in in_the_room}
    measured = {v.encounter.appointment_id for v in VitalSigns.objects.select_related("encounter")}
    assert measured == {a.pk for a in seen if a.starts_at.astimezone(WARSAW).date() == now.date()} | {
        a.pk for a in in_the_room}
    doctor = seen.first().practitioner.staff.user
    patient = seen.first().patient
    summary = patient_summary(doctor, patient.pk, now=now)
    assert summary.recent_visits and summary.problems
