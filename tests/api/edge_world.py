"""A clinic with something behind the small ids a fuzzer or a URL walk tries first: visit types, a room,
two practitioners with weekly hours, patients, an appointment and an open visit (made by the services)."""
from klinika.accounts.roles import Role
from klinika.records.services import start_encounter
from klinika.scheduling import services
from klinika.tenancy.context import clinic_context
from tests.scheduling.world import build, next_weekday


def build_edge_world(clinic, people):
    world = build(clinic, people)
    with clinic_context(clinic):
        day = next_weekday(1)
        world.appointment = services.book(
            world.users[Role.REGISTRAR], patient=world.patients[0].pk, practitioner=world.gyn.pk,
            visit_type=world.follow_up.pk, starts_at=f"{day.isoformat()}T09:00")
        world.encounter = start_encounter(world.users[Role.DOCTOR], patient_id=world.patients[1].pk)
    return world
