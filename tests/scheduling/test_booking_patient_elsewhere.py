"""A patient cannot be in two visits at once: a booking that overlaps the patient's booked visit with
another practitioner is refused on the patient, a visit starting when the other ends is booked, and a
cancelled visit does not count (book() learns this from its one read before the transaction)."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import ZONE
from klinika.tenancy.context import clinic_context
from tests.scheduling.world import build, next_weekday

pytestmark = pytest.mark.django_db


def _at(day, hhmm):
    return datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm), tzinfo=ZONE)


def test_the_patient_is_refused_a_second_visit_at_the_same_time(clinic, people):
    world = build(clinic, people, patients=1)
    day = next_weekday(2)
    admin, registrar = world.users[Role.CLINIC_ADMIN], world.users[Role.REGISTRAR]
    patient = world.patients[0]
    with clinic_context(clinic):
        setup_services.add_weekly_hours(
            admin, practitioner=world.nurse, weekday=day.weekday(), start_time="08:00", end_time="12:00",
            slot_minutes=15, valid_from=day - datetime.timedelta(days=1), room=None, visit_types=[world.follow_up])
        first = services.book(registrar, patient=patient.pk, practitioner=world.gyn.pk,
                              visit_type=world.first_visit.pk, starts_at=_at(day, "08:00"))  # until 08:30
        with pytest.raises(ValidationError) as refused:
            services.book(registrar, patient=patient.pk, practitioner=world.nurse.pk,
                          visit_type=world.follow_up.pk, starts_at=_at(day, "08:15"))
        assert "patient" in refused.value.message_dict
        adjacent = services.book(registrar, patient=patient, practitioner=world.nurse,
                                 visit_type=world.follow_up, starts_at=_at(day, "08:30"))
        assert adjacent.starts_at == _at(day, "08:30")
        services.cancel_appointment(registrar, first.pk, reason="pacjentka prosi o inny termin")
        again = services.book(registrar, patient=patient.pk, practitioner=world.nurse.pk,
                              visit_type=world.follow_up.pk, starts_at=_at(day, "08:15"))
        assert again.starts_at == _at(day, "08:15")
