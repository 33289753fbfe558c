"""A small clinic for the visit-record tests: staff of every role, two doctors, a nurse, patients, an appointment."""
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from klinika.accounts.models import StaffMember, TOTPDevice, User
from klinika.accounts.roles import Role
from klinika.accounts.services.tokens import create_token
from klinika.patients.models import Patient
from klinika.scheduling.models import Appointment
from klinika.scheduling.services import setup as setup_services
from klinika.staff import services as staff_services
from klinika.tenancy.context import clinic_context

PASSWORD = "correct-horse-battery"
DOCTOR_NPWZ, SECOND_NPWZ, NURSE_LICENCE = "5425740", "3123456", "0312345P"


@dataclass
class World:
    clinic: object
    users: dict = field(default_factory=dict)
    doctor: object = None  # the Practitioner of users["doctor"]
    second_doctor: object = None  # the Practitioner of users["doctor2"]
    nurse: object = None
    visit_type: object = None
    woman: Patient = None
    man: Patient = None

    @property
    def doctor_user(self):
        return self.users["doctor"]

    booked: int = 0

    def appointment(self, patient=None, *, status="checked_in", practitioner=None):
        """Each one half an hour after the previous (the database refuses overlapping appointments)."""
        self.booked += 1
        starts = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=30 * self.booked)
        with clinic_context(self.clinic):
            appointment = Appointment(patient=patient or self.woman, practitioner=practitioner or self.doctor,
                                      visit_type=self.visit_type, starts_at=starts,
                                      ends_at=starts + datetime.timedelta(minutes=15), status=status)
            appointment.save()
        return appointment

    def patient(self, **fields):
        data = {"first_name": "Jan", "last_name": "Nowak", "birth_date": datetime.date(1970, 5, 6), "sex": "M",
                "pesel": ""} | fields
        with clinic_context(self.clinic):
            patient = Patient(**data)
            patient.save()
        return patient


def _user(clinic, role, username, people):
    user = User.objects.create_user(username, PASSWORD, role=role, clinic=clinic)
    with clinic_context(clinic):
        StaffMember(user=user, **people.staff()).save()
    return user


def build(clinic, people) -> World:
    world = World(clinic)
    slug = clinic.slug
    for key, role in [("registrar", Role.REGISTRAR), ("doctor", Role.DOCTOR), ("doctor2", Role.DOCTOR),
                      ("nurse", Role.NURSE), ("admin", Role.CLINIC_ADMIN), ("dpo", Role.DPO)]:
        world.users[key] = _user(clinic, role, f"{key}-{slug}", people)
    admin = world.users["admin"]
    with clinic_context(clinic):
        world.doctor = staff_services.create_practitioner(
            admin, staff_id=world.users["doctor"].staff.pk, profession="doctor", title="lek.",
            licence_number=DOCTOR_NPWZ, specialty_codes=["0724"])
        world.second_doctor = staff_services.create_practitioner(
            admin, staff_id=world.users["doctor2"].staff.pk, profession="doctor", title="dr n. med.",
            licence_number=SECOND_NPWZ, specialty_codes=["0705"])
        world.nurse = staff_services.create_practitioner(
            admin, staff_id=world.users["nurse"].staff.pk, profession="nurse", licence_number=NURSE_LICENCE)
        world.visit_type = setup_services.create_visit_type(admin, name="Wizyta kontrolna", duration_minutes=15)
    world.woman = world.patient(first_name="Zofia", last_name="Wójcik-Łęcka", sex="F",
                                birth_date=datetime.date(1991, 3, 14))
    world.man = world.patient(first_name="Jan", last_name="Nowak", sex="M")
    return world


def logged_in(user, language="en") -> Client:
    """A browser session past both login steps (a confirmed TOTP device bound to the session).
    English by default: messages are asserted as their msgids; Polish is tested where it is the point."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user, backend="klinika.accounts.backends.StaffBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def api_client(user) -> Client:
    raw, _token = create_token(user, "records tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the UI language is a cookie, never Accept-Language
    return client


def raw_rows(sql: str, params=()) -> list:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
