"""Helpers shared by the notify and reminder tests: a practitioner, patients and appointments.

Plain functions (not fixtures), called inside `clinic_context`, so the reminder tests in
tests/scheduling/ can use them too.
"""
import datetime
import itertools
import random

from django.utils import timezone

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.patients.models import Patient
from klinika.scheduling.models import Appointment, SchedulingSettings, VisitType
from klinika.staff.models import Practitioner, Profession, Specialty

_usernames = itertools.count(1)


def licence_number(rng: random.Random) -> str:
    """A valid NPWZ: KABCDEF with K = Σ i·digit_i mod 11, never 0 or 10."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(6)]
        check = sum((i + 1) * d for i, d in enumerate(digits)) % 11
        if check not in (0, 10):
            return str(check) + "".join(map(str, digits))


def add_practitioner(clinic, people, specialties=()) -> Practitioner:
    user = User.objects.create_user(f"doc-{next(_usernames)}", "correct-horse-battery", role=Role.DOCTOR,
                                    clinic=clinic)
    member = StaffMember(user=user, **people.staff())
    member.save()
    practitioner = Practitioner(staff=member, profession=Profession.DOCTOR, title="lek.",
                                licence_number=licence_number(people.random))
    practitioner.save()
    practitioner.specialties.set(Specialty.objects.filter(code__in=specialties) if specialties else [])
    return practitioner


def add_patient(people, **overrides) -> Patient:
    fields = people.patient()
    fields.update({"preferred_channel": "sms", "consent_sms": True, "consent_email": False})
    fields.update(overrides)
    patient = Patient(**fields)
    patient.save()
    return patient


def visit_type() -> VisitType:
    found = VisitType.objects.filter(code="consult").first()
    if found:
        return found
    made = VisitType(code="consult", name="Consultation", duration_minutes=20)
    made.save()
    return made


def local_time(days_from_today: int, hour=10, minute=30) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days_from_today)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def book(patient, practitioner, days_from_today: int, hour=10, minute=30, reason="") -> Appointment:
    starts = local_time(days_from_today, hour, minute)
    appointment = Appointment(patient=patient, practitioner=practitioner, visit_type=visit_type(),
                              starts_at=starts, ends_at=starts + datetime.timedelta(minutes=20), reason=reason)
    appointment.save()
    return appointment


def set_days_ahead(days: int) -> None:
    row = SchedulingSettings.objects.first() or SchedulingSettings()
    row.reminder_days_ahead = days
    row.save()


def use_outbox(settings, tmp_path):
    """The file SMS gateway and the locmem mail backend, with an outbox of this test's own.

    For an `outbox` fixture: `return use_outbox(settings, tmp_path)`.
    """
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path / "outbox" / "sms.jsonl"
