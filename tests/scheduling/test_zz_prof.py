import cProfile, pstats, datetime
import pytest
from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.slots import find_free_slots
from klinika.tenancy.context import clinic_context
from tests.scheduling.world import build, next_weekday
pytestmark = pytest.mark.django_db
def test_prof(clinic, people):
    world = build(clinic, people, patients=1)
    day = next_weekday(2)
    with clinic_context(clinic):
        slots = []
        for k in range(0, 40, 7):
            d = day + datetime.timedelta(days=k)
            slots += find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=d, date_to=d)
        registrar = world.users[Role.REGISTRAR]
        last = None; chosen = []
        for s in slots:
            if last is None or s.starts_at >= last:
                chosen.append(s); last = s.ends_at
        print("N", len(chosen))
        pr = cProfile.Profile(); pr.enable()
        for s in chosen:
            services.book(registrar, patient=world.patients[0].pk, practitioner=world.gyn.pk, visit_type=world.first_visit.pk, starts_at=s.starts_at, reason="kontrola")
        pr.disable()
        st = pstats.Stats(pr); st.sort_stats("cumulative").print_stats(45); st.sort_stats("tottime").print_stats(25)
