"""The clinic of the benchmark: staff, practitioners and their schedules, set up through klinika's services.

One clinic. Gynaecologists (the specialty the free-slot search asks for, 0724) and as many
practitioners of other specialties; each works Monday to Friday, mornings or afternoons
(alternating by weekday), in 15-minute slots, from weekly hours valid for years back; each has
one week of leave somewhere in the next twelve weeks. Visit types: first visit 30 min, follow-up
15 min, and for gynaecologists a prenatal visit of 45 min.
"""
import datetime
import random
from dataclasses import dataclass, field

SPECIALTY = "0724"  # obstetrics and gynaecology
OTHER_SPECIALTIES = ["0705", "0713", "0723", "0707", "0722"]
VISIT_TYPES = {"first": ("Pierwsza wizyta", 30), "follow-up": ("Wizyta kontrolna", 15),
               "prenatal": ("Wizyta prenatalna", 45)}
# (start, end) per shift; Fridays are shorter
SHIFTS = {"morning": ("08:00", "14:00"), "afternoon": ("12:00", "19:00")}
FRIDAY = {"morning": ("08:00", "13:00"), "afternoon": ("12:00", "16:00")}
ROOMS = 12
HISTORY_YEARS = 10  # weekly hours valid from this long ago: older than any generated appointment
PASSWORD = "bench-desk-2026"


@dataclass
class Hours:
    weekday: int
    start: datetime.time
    end: datetime.time
    slot_minutes: int
    room_id: int
    visit_type_ids: list[int]


@dataclass
class Schedule:
    """What the appointment generator needs to know of one practitioner."""

    practitioner_id: int
    specialty: str
    hours: dict[int, list[Hours]] = field(default_factory=dict)  # by weekday
    leave: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)


@dataclass
class Desk:
    clinic: object
    admin: object
    registrars: list
    schedules: list[Schedule]
    visit_types: dict  # code -> VisitType


def build(people, *, gynaecologists: int, others: int, registrars: int, seed: int) -> Desk:
    from klinika.accounts.models import StaffMember, User
    from klinika.accounts.roles import Role
    from klinika.audit.context import Actor, acting_as
    from klinika.lifecycle.services import create_clinic
    from klinika.scheduling.services import setup as setup_services
    from klinika.scheduling.slots import local_midnight
    from klinika.staff import services as staff_services
    from klinika.tenancy.context import clinic_context
    from klinika.testdata.demo import generated_npwz

    rng = random.Random(seed)
    clinic = create_clinic("Przychodnia Benchmark Rejestracji", "bench-desk")
    with clinic_context(clinic):

        def staff_user(role, name):
            user = User.objects.create_user(name, PASSWORD, role=role, clinic=clinic)
            StaffMember(user=user, **people.staff()).save()
            return user

        admin = staff_user(Role.CLINIC_ADMIN, "admin-bench")
        desk_users = [staff_user(Role.REGISTRAR, f"rejestracja-bench-{n}") for n in range(registrars)]
        with acting_as(Actor(admin.pk, admin.role)):
            visit_types = {code: setup_services.create_visit_type(admin, name=name, duration_minutes=minutes,
                                                                   code=code)
                           for code, (name, minutes) in VISIT_TYPES.items()}
            rooms = [setup_services.create_room(admin, f"Gabinet {n + 1}") for n in range(ROOMS)]
            today = datetime.date.today()
            valid_from = today.replace(year=today.year - HISTORY_YEARS)
            plan = [SPECIALTY] * gynaecologists + [OTHER_SPECIALTIES[n % len(OTHER_SPECIALTIES)] for n in range(others)]
            licences, schedules = set(), []
            for n, specialty in enumerate(plan):
                doctor = staff_user(Role.DOCTOR, f"lekarz-bench-{n}")
                licence = generated_npwz(rng)
                while licence in licences:
                    licence = generated_npwz(rng)
                licences.add(licence)
                practitioner = staff_services.create_practitioner(
                    admin, staff_id=doctor.staff.pk, profession="doctor", title="lek.", licence_number=licence,
                    specialty_codes=[specialty])
                kinds = ["first", "follow-up"] + (["prenatal"] if specialty == SPECIALTY else [])
                schedule = Schedule(practitioner.pk, specialty)
                room = rooms[n % ROOMS]
                for weekday in range(5):
                    shift = "morning" if (n + weekday) % 2 == 0 else "afternoon"
                    start, end = (FRIDAY if weekday == 4 else SHIFTS)[shift]
                    hours = setup_services.add_weekly_hours(
                        admin, practitioner=practitioner, weekday=weekday, start_time=start, end_time=end,
                        slot_minutes=15, valid_from=valid_from, room=room,
                        visit_types=[visit_types[k] for k in kinds])
                    schedule.hours.setdefault(weekday, []).append(Hours(
                        weekday, hours.start_time, hours.end_time, hours.slot_minutes, room.pk,
                        [visit_types[k].pk for k in kinds]))
                # a week of leave, Monday to Friday, n % 12 weeks from this week's Monday
                monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=n % 12)
                starts, ends = local_midnight(monday), local_midnight(monday + datetime.timedelta(days=5))
                setup_services.add_exception(admin, practitioner=practitioner, kind="unavailable", starts_at=starts,
                                             ends_at=ends, note="urlop")
                schedule.leave.append((starts, ends))
                schedules.append(schedule)
    return Desk(clinic, admin, desk_users, schedules, visit_types)
