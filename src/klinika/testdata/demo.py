"""The generated demo clinic: a few staff of each role, ~60 synthetic patients, schedules, visits.

It is filled the way a clinic that moved to klinika is: its staff, its patients and its history
(the visits of the past weeks and of this morning, with their real dates, and the doctors' signed
records of them) come in through the bulk import paths that real imports and the synthetic
generator share; the administrator sets up schedules; from the moment the demo begins the desk and
the doctors work through the ordinary services: they book the coming weeks, cancel and move
visits, check in today's patients, measure them and write their visit records (demo_patients,
demo_schedule, demo_appointments, demo_visits).
"""
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.accounts.services.bulk import import_staff
from klinika.audit.context import Actor, acting_as, batch_scope
from klinika.audit.services import flush
from klinika.lifecycle.services import create_clinic
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic
from klinika.testdata.demo_appointments import seed_appointments
from klinika.testdata.demo_desk import Desk
from klinika.testdata.demo_patients import register_demo_patients
from klinika.testdata.demo_schedule import generated_npwz, set_up_schedules  # noqa: F401 (benchmarks import it)
from klinika.testdata.demo_stories import REASONS  # noqa: F401 (benchmarks fill appointments with these)
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
DEMO_ACTOR = Actor(None, "demo-generator")


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
    """Create the demo clinic once; a second call finds it and changes nothing.

    `patients` generated people are imported (plus a parent for each minor, newborns and
    foreigners); progress(step, done, total) hears how each long step advances.
    """
    existing = Clinic.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoResult(existing, demo_logins(), created=False)
    people = SyntheticPeople(seed)
    rng = random.Random(seed)
    today = timezone.localdate()
    clinic = create_clinic("Przychodnia Demo", DEMO_SLUG, is_demo=True)
    with clinic_context(clinic), acting_as(DEMO_ACTOR), transaction.atomic(), batch_scope():
        desk = Desk(_staff(clinic, people))
        registered = register_demo_patients(desk, people, rng, patients, today, _step(progress, "importing patients"),
                                            actor=DEMO_ACTOR)
        schedules = set_up_schedules(desk, rng, today)
        seed_appointments(desk, schedules, registered, rng, today, _step(progress, "appointments and visits"),
                          actor=DEMO_ACTOR)
        flush()  # the audit events of every step, inside the transaction that made them
    return DemoResult(clinic, demo_logins(), len(registered))


def _step(progress, name):
    return (lambda done, total: progress(name, done, total)) if progress else None


def _staff(clinic, people) -> dict[str, User]:
    """The logins of STAFF_PLAN, each with a generated person; drawn first, in this order (tests rely on it)."""
    # One hash for every demo login: they share the password the demo prints anyway, and each
    # Argon2 hash costs a noticeable part of a second.
    rows = [{"login": f"{prefix}{i}", "role": role, **people.staff()}
            for role, prefix, count in STAFF_PLAN for i in range(1, count + 1)]
    ids = import_staff(clinic, rows, actor=DEMO_ACTOR, password_hash=make_password(DEMO_PASSWORD)).user_ids
    if not User.objects.filter(username=VENDOR_LOGIN).exists():
        # The vendor's operator belongs to no clinic: made as `klinika createsuperuser` makes one.
        User.objects.create_superuser(VENDOR_LOGIN, DEMO_PASSWORD)
    return {user.username: user for user in User.objects.filter(pk__in=ids)}
