"""Issue-and-sign shortcuts for tests that start from a signed (or registered) document."""
from klinika.edocs import services
from klinika.tenancy.context import clinic_context
from tests.edocs.world import amoxicillin_item, free_item, referral_data, sick_leave_data


def signed_package(world, items=None, doctor=None):
    with clinic_context(world.clinic):
        package = services.issue_prescriptions(doctor or world.doctor, encounter_id=world.encounter.pk,
                                               items=items or [amoxicillin_item(), free_item()])
        services.sign(doctor or world.doctor, "rx", package.pk)
        return package


def signed_referral(world, **changes):
    with clinic_context(world.clinic):
        referral = services.create_referral(world.doctor, encounter_id=world.encounter.pk,
                                            data=referral_data(**changes))
        services.sign(world.doctor, "ref", referral.pk)
        referral.refresh_from_db()
        return referral


def signed_sick_leave(world, **changes):
    with clinic_context(world.clinic):
        leave = services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk,
                                           data=sick_leave_data(**changes))
        services.sign(world.doctor, "zla", leave.pk)
        leave.refresh_from_db()
        return leave
