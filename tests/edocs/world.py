"""A clinic where a doctor can issue e-documents: staff of each role, a patient, a visit, a few codes."""
import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.patients.models import Patient
from klinika.records.models import Code, CodeSystem, Encounter
from klinika.staff.models import Practitioner, Profession
from klinika.tenancy.context import clinic_context
from tests.accounts.logins import PASSWORD

DOCTOR_NPWZ = "5425740"
SECOND_NPWZ = "3123456"  # 1*1+2*2+3*3+4*4+5*5+6*6 = 91, 91 % 11 = 3
EMPLOYER_NIP = "5260250274"
CODES = [
    (CodeSystem.ICD10, "J06.9", "Ostre zakażenie górnych dróg oddechowych, nieokreślone"),
    (CodeSystem.ICD10, "J20.9", "Ostre zapalenie oskrzeli, nieokreślone"),
    (CodeSystem.ICD10, "I10", "Samoistne (pierwotne) nadciśnienie"),
    (CodeSystem.ICD10, "M54.5", "Ból okolicy lędźwiowo-krzyżowej"),
    (CodeSystem.ICD9PL, "87.44", "RTG klatki piersiowej"),
    (CodeSystem.ICD9PL, "89.52", "Elektrokardiogram"),
]

_counter = iter(range(1, 1_000_000))


@dataclass
class World:
    clinic: object
    users: dict = field(default_factory=dict)
    doctor: object = None          # User
    practitioner: object = None
    patient: object = None
    patient_data: dict = field(default_factory=dict)
    encounter: object = None


def staff_user(clinic, role, people, username=None):
    user = User.objects.create_user(username or f"{role}-e{next(_counter)}", PASSWORD, role=role, clinic=clinic)
    with clinic_context(clinic):
        StaffMember(user=user, **people.staff()).save()
    return user


def make_doctor(clinic, people, licence=DOCTOR_NPWZ, username=None):
    user = staff_user(clinic, Role.DOCTOR, people, username)
    with clinic_context(clinic):
        practitioner = Practitioner(staff=user.staff, profession=Profession.DOCTOR, title="lek.",
                                    licence_number=licence)
        practitioner.save()
    return user, practitioner


def make_patient(clinic, people, **overrides):
    data = people.patient() | {"consent_sms": True, "preferred_channel": "sms"} | overrides
    with clinic_context(clinic):
        patient = Patient(**data)
        patient.save()
    return patient, data


def make_encounter(clinic, patient, practitioner):
    with clinic_context(clinic):
        encounter = Encounter(patient=patient, practitioner=practitioner, started_at=timezone.now())
        encounter.save()
    return encounter


def add_codes(clinic):
    with clinic_context(clinic):
        for system, code, name in CODES:
            if not Code.objects.filter(system=system, code=code).exists():
                Code(system=system, code=code, name=name, search_text=f"{code.lower()} {name.lower()}").save()


def build(clinic, people) -> World:
    world = World(clinic)
    for role in (Role.REGISTRAR, Role.NURSE, Role.CLINIC_ADMIN):
        world.users[role] = staff_user(clinic, role, people)
    world.doctor, world.practitioner = make_doctor(clinic, people)
    world.users[Role.DOCTOR] = world.doctor
    world.patient, world.patient_data = make_patient(clinic, people, birth_date=datetime.date(1980, 5, 17),
                                                     sex="F", pesel="80051712345")
    world.encounter = make_encounter(clinic, world.patient, world.practitioner)
    add_codes(clinic)
    return world


def amoxicillin_item(**overrides) -> dict:
    from klinika.edocs.models import Drug

    drug = Drug.objects.filter(name="Amoxicillinum", strength="500 mg").first()
    return {"drug_id": drug.pk, "dosage": "1 kaps. co 8 godzin przez 7 dni", "quantity": 1} | overrides


def free_item(**overrides) -> dict:
    return {"drug_name": "Ramiprilum", "strength": "5 mg", "form": "tabletki", "pack_size": "28 szt.",
            "dosage": "1 tabl. rano", "quantity": 2, "payment_level": "30%"} | overrides


def referral_data(**overrides) -> dict:
    return {"kind": "02.10", "icd10": "J20.9", "icd9": ["87.44"], "purpose": "RTG klatki piersiowej, kaszel 3 tyg.",
            "tests_done": "morfologia", "cito": False} | overrides


def sick_leave_data(**overrides) -> dict:
    today = timezone.localdate()
    return {"date_from": today.isoformat(), "date_to": (today + datetime.timedelta(days=4)).isoformat(),
            "icd10": "J06.9", "letter_codes": [], "indication": 2, "payer_nip": EMPLOYER_NIP} | overrides
