"""PostgreSQL can report two inserts racing through the exclusion constraint as a deadlock (40P01):
the booking that loses must get the same clear conflict as for the constraint, never a 500."""
import pytest
from django.db import OperationalError

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import Appointment
from klinika.scheduling.slots import find_free_slots
from klinika.tenancy.context import clinic_context
from tests.scheduling.world import build, next_weekday

pytestmark = pytest.mark.django_db


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg puts on psycopg.errors.DeadlockDetected


def test_a_deadlock_while_inserting_is_a_taken_slot(clinic, people, monkeypatch):
    world = build(clinic, people, patients=1)
    day = next_weekday(2)
    with clinic_context(clinic):
        slot = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=day, date_to=day)[0]

        def deadlocked(self, *args, **kwargs):
            raise OperationalError("deadlock detected") from _Deadlock()

        monkeypatch.setattr(Appointment, "save", deadlocked)
        with pytest.raises(SlotTaken):
            services.book(world.users[Role.REGISTRAR], patient=world.patients[0].pk, practitioner=world.gyn.pk,
                          visit_type=world.first_visit.pk, starts_at=slot.starts_at, reason="kontrola")
        monkeypatch.undo()
        assert not Appointment.objects.exists()


def test_other_operational_errors_are_not_hidden(clinic, people, monkeypatch):
    world = build(clinic, people, patients=1)
    day = next_weekday(2)
    with clinic_context(clinic):
        slot = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=day, date_to=day)[0]
        monkeypatch.setattr(Appointment, "save", lambda self, *a, **k: (_ for _ in ()).throw(
            OperationalError("server closed the connection")))
        with pytest.raises(OperationalError):
            services.book(world.users[Role.REGISTRAR], patient=world.patients[0].pk, practitioner=world.gyn.pk,
                          visit_type=world.first_visit.pk, starts_at=slot.starts_at, reason="kontrola")
