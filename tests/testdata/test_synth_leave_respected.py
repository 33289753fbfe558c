"""`klinika synth`: practitioners take leave, and no appointment falls in it."""
import pytest

from klinika.scheduling.models import Appointment, AvailabilityException
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from tests.testdata.synth_clinic_support import synth

pytestmark = pytest.mark.django_db


def test_every_practitioner_has_leave_and_no_appointment_falls_in_it():
    clinic = synth("Przychodnia Urlopów", seed=15, patients=200, years=2)
    with clinic_context(clinic):
        leave = list(AvailabilityException.objects.filter(kind="unavailable"))
        assert {e.practitioner_id for e in leave} == set(Practitioner.objects.values_list("pk", flat=True))
        assert sum((e.ends_at - e.starts_at).days for e in leave) >= 19 * 2 * len({e.practitioner_id for e in leave})
        clashes = Appointment.objects.none()
        for e in leave:
            clashes |= Appointment.objects.filter(practitioner_id=e.practitioner_id, starts_at__lt=e.ends_at,
                                                  ends_at__gt=e.starts_at)
        assert clashes.count() == 0
        assert Appointment.objects.count() > 500
