"""The demo clinic's schedules, set up by its administrator through the staff and scheduling services:
rooms, visit types, practitioners with generated valid licence numbers, and their weekly hours."""
import datetime
import random
from dataclasses import dataclass

from klinika.accounts.models import StaffMember, User
from klinika.scheduling.models import VisitType, WeeklyAvailability
from klinika.scheduling.services import setup as setup_services
from klinika.staff import services as staff_services
from klinika.staff.models import Practitioner, Profession, Specialty
from klinika.staff.validators import npwz_check_digit
from klinika.testdata import demo_stories
from klinika.testdata.demo_desk import Desk, act
from klinika.testdata.demo_stories import Story


@dataclass(frozen=True)
class Plan:
    profession: str
    title: str
    specialties: list[str]
    hours: dict[int, tuple[str, str]]  # weekday (0 = Monday) → (from, to)
    visit_types: list[str]
    stories: list[Story]


PRACTITIONER_PLAN = {
    "lekarz1": Plan(Profession.DOCTOR, "lek.", ["0724"],
                    {0: ("08:00", "14:00"), 1: ("12:00", "18:00"), 2: ("08:00", "14:00"), 3: ("12:00", "18:00"),
                     4: ("08:00", "13:00")}, ["pierwsza", "kontrolna", "prenatalna"], demo_stories.GYNAECOLOGY),
    "lekarz2": Plan(Profession.DOCTOR, "dr n. med.", ["0723", "0713"], {d: ("08:00", "15:00") for d in range(5)},
                    ["pierwsza", "kontrolna"], demo_stories.FAMILY_AND_CHILDREN),
    "lekarz3": Plan(Profession.DOCTOR, "lek.", ["0705", "0713"], {d: ("10:00", "18:00") for d in range(4)},
                    ["pierwsza", "kontrolna"], demo_stories.INTERNAL_MEDICINE),
    "pielegniarka1": Plan(Profession.NURSE, "mgr", [], {d: ("08:00", "14:00") for d in range(5)},
                          ["szczepienie", "kontrolna"], demo_stories.NURSING),
    "pielegniarka2": Plan(Profession.NURSE, "", [], {d: ("11:00", "17:00") for d in range(5)},
                          ["szczepienie", "kontrolna"], demo_stories.NURSING),
}
VISIT_TYPES = [("pierwsza", "Pierwsza wizyta", 30), ("kontrolna", "Wizyta kontrolna", 15),
               ("prenatalna", "Wizyta prenatalna", 30), ("szczepienie", "Szczepienie", 15)]
ROOMS = ["Gabinet 1", "Gabinet 2", "Gabinet 3", "Gabinet zabiegowy"]
SLOT_MINUTES = 15
HOURS_SINCE_DAYS = 56  # the weekly hours started before the oldest appointment shown


@dataclass
class Schedule:
    practitioner: Practitioner
    user: User
    hours: list[WeeklyAvailability]
    visit_types: list[VisitType]
    stories: list[Story]

    @property
    def writes_records(self) -> bool:
        return self.practitioner.profession == Profession.DOCTOR


def generated_npwz(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randrange(10**6):06d}"
        check = npwz_check_digit(digits)
        if check not in (0, 10):
            return f"{check}{digits}"


def generated_nursing_licence(rng: random.Random, letter: str) -> str:
    return f"{rng.randint(1, 45):02d}{rng.randrange(10**5):05d}{letter}"


def set_up_schedules(desk: Desk, rng: random.Random, today: datetime.date) -> list[Schedule]:
    """What a clinic administrator sets up on the first day (inside the clinic context)."""
    admin = desk.admin
    act(admin, setup_services.update_settings, reminder_days_ahead=2, planning_horizon_days=90)
    rooms = [act(admin, setup_services.create_room, name) for name in ROOMS]
    visit_types = {code: act(admin, setup_services.create_visit_type, name=name, duration_minutes=minutes, code=code)
                   for code, name, minutes in VISIT_TYPES}
    known = set(Specialty.objects.values_list("code", flat=True))
    staff = {m.user.username: m for m in StaffMember.objects.select_related("user")}
    schedules = []
    for n, (login, plan) in enumerate(PRACTITIONER_PLAN.items()):
        member = staff.get(login)
        if member is None:
            continue
        licence = (generated_npwz(rng) if plan.profession == Profession.DOCTOR
                   else generated_nursing_licence(rng, "P"))
        practitioner = act(admin, staff_services.create_practitioner, staff_id=member.pk,
                           profession=plan.profession, licence_number=licence, title=plan.title,
                           specialty_codes=[code for code in plan.specialties if code in known])
        kinds = [visit_types[code] for code in plan.visit_types]
        hours = [act(admin, setup_services.add_weekly_hours, practitioner=practitioner, weekday=weekday,
                     start_time=start, end_time=end, visit_types=kinds, slot_minutes=SLOT_MINUTES,
                     room=rooms[n % len(rooms)], valid_from=today - datetime.timedelta(days=HOURS_SINCE_DAYS))
                 for weekday, (start, end) in plan.hours.items()]
        schedules.append(Schedule(practitioner, member.user, hours, kinds, plan.stories))
    return schedules
