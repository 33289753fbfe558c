"""The generated demo clinic: a few staff of each role, ~50 synthetic patients, and a working schedule.

Doctors and nurses are practitioners (generated, valid licence numbers) with weekly hours;
appointments fill the last and the next two weeks, so every screen has something to show.
"""
import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.audit.context import Actor, acting_as, batch_scope
from klinika.audit.models import Action
from klinika.audit.services import flush, record
from klinika.patients.models import Patient
from klinika.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Room,
    SchedulingSettings,
    VisitType,
    WeeklyAvailability,
)
from klinika.scheduling.slots import wall_time
from klinika.staff.models import Practitioner, Profession, Specialty
from klinika.staff.validators import npwz_check_digit
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic
from klinika.tenancy.services import create_clinic
from klinika.testdata.synthetic import SyntheticPeople

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-klinika-2026"
STAFF_PLAN = [
    (Role.REGISTRAR, "rejestracja", 2),
    (Role.DOCTOR, "lekarz", 3),
    (Role.NURSE, "pielegniarka", 2),
    (Role.CLINIC_ADMIN, "admin", 1),
    (Role.DPO, "iod", 1),
]
VENDOR_LOGIN = "operator"


@dataclass
class DemoResult:
    clinic: Clinic
    logins: list[tuple[str, str]] = field(default_factory=list)
    patients: int = 0
    created: bool = True


def demo_logins() -> list[tuple[str, str]]:
    logins = [(f"{prefix}{i}", role.label) for role, prefix, count in STAFF_PLAN for i in range(1, count + 1)]
    return logins + [(VENDOR_LOGIN, Role.VENDOR_OPERATOR.label)]


def seed_demo(patients: int = 50, seed: int | None = None, progress=None) -> DemoResult:
    """Create the demo clinic once; a second call finds it and changes nothing."""
    existing = Clinic.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoResult(existing, demo_logins(), created=False)
    people = SyntheticPeople(seed)
    clinic = create_clinic("Przychodnia Demo", DEMO_SLUG, is_demo=True)
    with clinic_context(clinic), acting_as(Actor(None, "demo-generator")), transaction.atomic():
        for role, prefix, count in STAFF_PLAN:
            for i in range(1, count + 1):
                user = User.objects.create_user(f"{prefix}{i}", DEMO_PASSWORD, role=role, clinic=clinic)
                member = StaffMember(user=user, **people.staff())
                member.save()
                record(Action.CREATE, object_type="staff", object_id=member.pk, subject_ref=member.subject_ref)
        if not User.objects.filter(username=VENDOR_LOGIN).exists():
            User.objects.create_user(VENDOR_LOGIN, DEMO_PASSWORD, role=Role.VENDOR_OPERATOR)
        for n in range(patients):
            patient = Patient(**people.patient())
            patient.save()
            record(Action.CREATE, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref)
            if progress:
                progress(n + 1, patients)
        seed_schedule(random.Random(seed))
    return DemoResult(clinic, demo_logins(), patients)


# login → (profession, title, specialty codes, weekly hours {weekday: (from, to)}, visit type codes)
PRACTITIONER_PLAN = {
    "lekarz1": (Profession.DOCTOR, "lek.", ["0724"],
                {0: ("08:00", "14:00"), 1: ("12:00", "18:00"), 2: ("08:00", "14:00"), 3: ("12:00", "18:00"),
                 4: ("08:00", "13:00")}, ["pierwsza", "kontrolna", "prenatalna"]),
    "lekarz2": (Profession.DOCTOR, "dr n. med.", ["0723", "0713"],
                {d: ("08:00", "15:00") for d in range(5)}, ["pierwsza", "kontrolna"]),
    "lekarz3": (Profession.DOCTOR, "lek.", ["0705", "0713"],
                {d: ("10:00", "18:00") for d in range(4)}, ["pierwsza", "kontrolna"]),
    "pielegniarka1": (Profession.NURSE, "mgr", [], {d: ("08:00", "14:00") for d in range(5)},
                      ["szczepienie", "kontrolna"]),
    "pielegniarka2": (Profession.NURSE, "", [], {d: ("11:00", "17:00") for d in range(5)},
                      ["szczepienie", "kontrolna"]),
}
VISIT_TYPES = [("pierwsza", "Pierwsza wizyta", 30), ("kontrolna", "Wizyta kontrolna", 15),
               ("prenatalna", "Wizyta prenatalna", 30), ("szczepienie", "Szczepienie", 15)]
ROOMS = ["Gabinet 1", "Gabinet 2", "Gabinet 3", "Gabinet zabiegowy"]
REASONS = ["kontrola ciśnienia", "ból gardła i gorączka", "kontrola ciąży", "wyniki badań krwi", "ból pleców",
           "bilans zdrowia dziecka", "przedłużenie recept", "kaszel od tygodnia", "szczepienie przeciw grypie", ""]
DAYS_AROUND = 14


def generated_npwz(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randrange(10**6):06d}"
        check = npwz_check_digit(digits)
        if check not in (0, 10):
            return f"{check}{digits}"


def generated_nursing_licence(rng: random.Random, letter: str) -> str:
    return f"{rng.randint(1, 45):02d}{rng.randrange(10**5):05d}{letter}"


def seed_schedule(rng: random.Random, today: datetime.date | None = None):
    """Practitioners, rooms, visit types, weekly hours and appointments around today (inside the clinic context)."""
    today = today or timezone.localdate()
    SchedulingSettings().save()
    rooms = [Room(name=name) for name in ROOMS]
    for room in rooms:
        room.save()
    visit_types = {}
    for code, name, minutes in VISIT_TYPES:
        visit_types[code] = VisitType(code=code, name=name, duration_minutes=minutes)
        visit_types[code].save()
    specialties = {s.code: s for s in Specialty.objects.all()}
    staff = {m.user.username: m for m in StaffMember.objects.select_related("user")}
    patients = list(Patient.objects.order_by("pk"))
    with batch_scope():
        for n, (login, (profession, title, codes, hours, kinds)) in enumerate(PRACTITIONER_PLAN.items()):
            member = staff.get(login)
            if member is None:
                continue
            licence = (generated_npwz(rng) if profession == Profession.DOCTOR
                       else generated_nursing_licence(rng, "P"))
            practitioner = Practitioner(staff=member, profession=profession, title=title, licence_number=licence)
            practitioner.save()
            practitioner.specialties.set([specialties[c] for c in codes if c in specialties])
            record(Action.CREATE, object_type="practitioner", object_id=practitioner.pk,
                   subject_ref=member.subject_ref)
            templates = []
            for weekday, (start, end) in hours.items():
                template = WeeklyAvailability(
                    practitioner=practitioner, weekday=weekday, start_time=datetime.time.fromisoformat(start),
                    end_time=datetime.time.fromisoformat(end), slot_minutes=15, room=rooms[n % len(rooms)],
                    valid_from=today - datetime.timedelta(days=DAYS_AROUND * 4))
                template.save()
                template.visit_types.set([visit_types[k] for k in kinds])
                templates.append(template)
            if patients:
                _appointments(rng, practitioner, templates, [visit_types[k] for k in kinds], patients, today)
        flush()


def _appointments(rng, practitioner, templates, kinds, patients, today):
    """A few visits a day, laid one after another so they never overlap; past ones done or missed."""
    now = timezone.now()
    for offset in range(-DAYS_AROUND, DAYS_AROUND + 1):
        day = today + datetime.timedelta(days=offset)
        for template in (t for t in templates if t.weekday == day.weekday()):
            at, closing = wall_time(day, template.start_time), wall_time(day, template.end_time)
            if at is None or closing is None:
                continue
            at, closing = at.astimezone(datetime.timezone.utc), closing.astimezone(datetime.timezone.utc)
            while at < closing:
                kind = rng.choice(kinds)
                ends = at + datetime.timedelta(minutes=kind.duration_minutes)
                if ends > closing:
                    break
                if rng.random() < 0.35:
                    _appointment(rng, practitioner, template, kind, rng.choice(patients), at, ends, now)
                    at = ends
                at += datetime.timedelta(minutes=template.slot_minutes)


def _appointment(rng, practitioner, template, kind, patient, starts, ends, now):
    if ends <= now:
        status = rng.choices([AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED],
                             weights=[8, 1, 1])[0]
    else:
        status = rng.choices([AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED], weights=[9, 1])[0]
    appointment = Appointment(
        patient=patient, practitioner=practitioner, visit_type=kind, room=template.room,
        starts_at=starts, ends_at=ends, status=status, reason=rng.choice(REASONS),
        cancel_reason="pacjent zadzwonił, że nie przyjdzie" if status == AppointmentStatus.CANCELLED else "",
        cancelled_at=now if status == AppointmentStatus.CANCELLED else None)
    appointment.save()
    record(Action.CREATE, object_type="appointment", object_id=appointment.pk,
           subject_ref=appointment.patient.subject_ref, reason="demo data")
