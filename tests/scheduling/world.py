"""A small clinic with people, a gynaecologist's weekly hours and visit types, built through the services."""
import datetime
import importlib
from dataclasses import dataclass, field

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.patients.models import Patient
from klinika.scheduling.services import setup as setup_services
from klinika.staff import services as staff_services
from klinika.staff.models import Specialty
from klinika.tenancy.context import clinic_context
from tests.accounts.logins import PASSWORD

GYN_NPWZ = "5425740"
NURSE_LICENCE = "0312345P"


@dataclass
class World:
    clinic: object
    users: dict = field(default_factory=dict)
    gyn: object = None
    nurse: object = None
    first_visit: object = None
    follow_up: object = None
    prenatal: object = None
    room: object = None
    patients: list = field(default_factory=list)


_counter = iter(range(1, 1_000_000))


def make_staff_user(clinic, role, people, username=None):
    user = User.objects.create_user(username or f"{role}-w{next(_counter)}", PASSWORD, role=role, clinic=clinic)
    with clinic_context(clinic):
        StaffMember(user=user, **people.staff()).save()
    return user


def ensure_specialty_code_list():
    """Transactional tests empty every table afterwards, the code list loaded by a data migration too."""
    if not Specialty.objects.exists():
        migration = importlib.import_module("klinika.staff.migrations.0002_specialty_code_list")
        for code, name, name_en in migration.SPECIALTIES:
            Specialty.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})


def build(clinic, people, *, valid_from=None, patients=2, hours=("08:00", "12:00"), slot_minutes=15) -> World:
    """Weekdays 8-12 (15-minute slots) for the gynaecologist; first visit 30 min, follow-up 15, prenatal 45."""
    ensure_specialty_code_list()
    world = World(clinic)
    for role in (Role.REGISTRAR, Role.DOCTOR, Role.NURSE, Role.CLINIC_ADMIN, Role.DPO):
        world.users[role] = make_staff_user(clinic, role, people)
    admin = world.users[Role.CLINIC_ADMIN]
    valid_from = valid_from or datetime.date.today() - datetime.timedelta(days=30)
    with clinic_context(clinic):
        world.gyn = staff_services.create_practitioner(
            admin, staff_id=world.users[Role.DOCTOR].staff.pk, profession="doctor", title="lek.",
            licence_number=GYN_NPWZ, specialty_codes=["0724"])
        world.nurse = staff_services.create_practitioner(
            admin, staff_id=world.users[Role.NURSE].staff.pk, profession="nurse", licence_number=NURSE_LICENCE)
        world.first_visit = setup_services.create_visit_type(admin, name="Pierwsza wizyta", duration_minutes=30)
        world.follow_up = setup_services.create_visit_type(admin, name="Wizyta kontrolna", duration_minutes=15)
        world.prenatal = setup_services.create_visit_type(admin, name="Wizyta prenatalna", duration_minutes=45)
        world.room = setup_services.create_room(admin, "Gabinet 1")
        for weekday in range(5):
            setup_services.add_weekly_hours(
                admin, practitioner=world.gyn, weekday=weekday, start_time=hours[0], end_time=hours[1],
                slot_minutes=slot_minutes, valid_from=valid_from, room=world.room,
                visit_types=[world.first_visit, world.follow_up, world.prenatal])
        for _ in range(patients):
            patient = Patient(**people.patient())
            patient.save()
            world.patients.append(patient)
    return world


def next_weekday(weekday: int, after: datetime.date | None = None) -> datetime.date:
    """The first date after `after` (default today) that falls on `weekday` (0 = Monday)."""
    day = (after or datetime.date.today()) + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day
