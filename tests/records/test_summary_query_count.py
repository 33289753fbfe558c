"""The patient summary costs the same number of queries with 5 visits as with 50 (no query per visit)."""
import datetime

import pytest
from django.utils import timezone

from klinika.records import services
from klinika.records.models import Encounter
from klinika.records.summary import patient_summary
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db
PAGE_BOUND = 30  # 26 today: login, session and audit (11) + the screen's reads (15), whatever the history
BOUND = 14  # 9 reads (one per table, whatever the history) + 5 to append the audit event outside a request


def _history(ctx, visits, visit):
    doctors = [ctx.doctor_user, ctx.users["doctor2"]]
    for n in range(visits):
        doctor = doctors[n % 2]
        encounter = services.start_encounter(doctor, patient_id=ctx.woman.pk)
        code = ["J06.9", "I10", "O24.4", "N76.0", "E11.9"][n % 5]
        services.sign(doctor, encounter.pk, {**visit, "diagnoses": [{"code": code, "main": True},
                                                                     {"code": "R50.9"}]})
        Encounter.objects.filter(pk=encounter.pk).update(  # spread over the last years
            started_at=timezone.now() - datetime.timedelta(days=20 * n))
    services.record_vitals(ctx.users["nurse"], ctx.woman.pk, {"pulse": 70, "weight_kg": 60, "height_cm": 165})
    services.add_allergy(ctx.doctor_user, ctx.woman.pk, substance="Penicylina")


@pytest.mark.parametrize("visits", [5, 50])
def test_the_summary_reads_a_fixed_number_of_times(ctx, visit, visits, django_assert_max_num_queries):
    _history(ctx, visits, visit)
    with django_assert_max_num_queries(BOUND):
        summary = patient_summary(ctx.doctor_user, ctx.woman.pk)
    assert summary.visit_count == visits and len(summary.recent_visits) == min(visits, 10)
    assert {p.code for p in summary.problems} >= {"I10", "E11.9"}  # chronic: listed however old
    assert all(line.practitioner for line in summary.recent_visits)


@pytest.mark.parametrize("visits", [5, 50])
def test_the_visit_screen_is_bounded_too(world, visit, visits, django_assert_max_num_queries):
    from klinika.tenancy.context import clinic_context

    with clinic_context(world.clinic):
        _history(world, visits, visit)
        encounter = services.start_encounter(world.doctor_user, patient_id=world.woman.pk)
    client = logged_in(world.doctor_user)
    client.get(f"/records/encounters/{encounter.pk}/")  # warm the session and key caches alike for both sizes
    with django_assert_max_num_queries(PAGE_BOUND):
        response = client.get(f"/records/encounters/{encounter.pk}/")
    assert response.status_code == 200
