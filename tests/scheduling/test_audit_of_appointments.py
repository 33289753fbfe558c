"""Every appointment operation leaves an audit event with ids only: no names, no reasons, no PESEL."""
import pytest

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling import services
from klinika.scheduling.services import waitlist
from tests.scheduling.booking import book_next, free_slot, placed, still_today

pytestmark = pytest.mark.django_db


def test_each_operation_is_audited_without_personal_data(world, in_clinic):
    registrar, doctor = world.users[Role.REGISTRAR], world.users[Role.DOCTOR]
    booked = book_next(world, reason="podejrzenie ciąży")
    moved = services.reschedule(registrar, booked.pk, starts_at=free_slot(world, weekday=1).starts_at)
    entry = waitlist.add_to_waitlist(registrar, patient=world.patients[1], visit_type=world.first_visit,
                                     earliest=moved.starts_at.date(), latest=moved.starts_at.date())
    services.cancel_appointment(registrar, moved.pk, "Pani Kowalska dzwoniła")
    waitlist.accept_offer(registrar, entry.pk)
    today = placed(world, still_today(5), patient=1)
    services.check_in(registrar, today.pk)
    services.complete(doctor, today.pk)
    services.get_appointment(doctor, today.pk)
    events = list(AuditEvent.objects.filter(object_type__in=["appointment", "waitlist-entry"]))
    kinds = {(e.object_type, e.action) for e in events}
    assert {("appointment", "create"), ("appointment", "update"), ("appointment", "read"),
            ("waitlist-entry", "create"), ("waitlist-entry", "update")} <= kinds
    assert all(e.subject_ref in {p.subject_ref for p in world.patients} for e in events)
    personal = {"ciąży", "Kowalska", *(p.last_name for p in world.patients), *(p.pesel for p in world.patients)}
    for event in events:
        text = f"{event.reason} {event.object_id}"
        assert not any(value in text for value in personal), text
    assert all(e.actor_id in {registrar.pk, doctor.pk, None} for e in events)
