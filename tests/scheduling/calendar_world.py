"""Two practitioners side by side: the gynaecologist (weekdays 8-12, room 1) and the nurse (weekdays 10-14, room 2)."""
from klinika.accounts.roles import Role
from klinika.scheduling.services import setup as setup_services
from klinika.tenancy.context import clinic_context


def with_nurse_hours(world):
    admin = world.users[Role.CLINIC_ADMIN]
    with clinic_context(world.clinic):
        world.room2 = setup_services.create_room(admin, "Gabinet 2")
        for weekday in range(5):
            setup_services.add_weekly_hours(
                admin, practitioner=world.nurse, weekday=weekday, start_time="10:00", end_time="14:00",
                slot_minutes=15, valid_from=world.gyn.availability.first().valid_from, room=world.room2,
                visit_types=[world.follow_up])
    return world
