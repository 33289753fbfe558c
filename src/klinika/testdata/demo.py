"""The generated demo clinic: a few staff of each role and ~50 synthetic patients."""
from dataclasses import dataclass, field

from django.db import transaction

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.audit.context import Actor, acting_as
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.patients.models import Patient
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
    return DemoResult(clinic, demo_logins(), patients)
