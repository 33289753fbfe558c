"""The demo clinic: practitioners with valid licences, weekly hours and visits around today; seeded once."""
import datetime

import pytest
from django.utils import timezone

from klinika.scheduling.models import Appointment, VisitType, WeeklyAvailability
from klinika.scheduling.slots import find_free_slots
from klinika.staff.models import Practitioner
from klinika.staff.validators import is_valid_npwz, is_valid_nursing_licence
from klinika.tenancy.context import clinic_context
from klinika.testdata.demo import seed_demo
from tests.scheduling.world import ensure_specialty_code_list

pytestmark = pytest.mark.django_db


def test_the_demo_clinic_has_a_working_schedule(django_assert_max_num_queries):
    ensure_specialty_code_list()
    result = seed_demo(patients=20, seed=7)
    with clinic_context(result.clinic):
        practitioners = list(Practitioner.objects.select_related("staff__user").prefetch_related("specialties"))
        by_login = {p.staff.user.username: p for p in practitioners}
        assert {"lekarz1", "lekarz2", "lekarz3", "pielegniarka1", "pielegniarka2"} == set(by_login)
        assert all(is_valid_npwz(p.licence_number) for p in practitioners if p.profession == "doctor")
        assert all(is_valid_nursing_licence(p.licence_number, p.profession) for p in practitioners
                   if p.profession != "doctor")
        codes = {s.code for p in practitioners for s in p.specialties.all()}
        assert {"0724", "0723", "0713", "0705"} <= codes
        assert {v.code for v in VisitType.objects.all()} >= {"pierwsza", "kontrolna", "prenatalna"}
        assert WeeklyAvailability.objects.count() >= 20
        now = timezone.now()
        assert Appointment.objects.filter(starts_at__lt=now, status="completed").exists()
        assert Appointment.objects.filter(starts_at__gt=now, status="booked").exists()
        prenatal = VisitType.objects.get(code="prenatalna")
        today = timezone.localdate()
        assert find_free_slots(visit_type=prenatal, specialty="0724", date_from=today,
                               date_to=today + datetime.timedelta(days=14))
        count = Appointment.objects.count()
    with django_assert_max_num_queries(5):
        again = seed_demo(patients=20, seed=7)
    assert not again.created
    with clinic_context(result.clinic):
        assert Appointment.objects.count() == count
