"""A vendor operator under a support grant sees calendars (to debug them) but no reasons, and changes nothing."""
import pytest

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.accounts.services import support
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db


def test_an_operator_with_a_grant_sees_the_calendar_without_reasons_and_cannot_cancel(world, clinic):
    with clinic_context(clinic):
        appointment = book_next(world, reason="Ciąża zagrożona")
    operator = User.objects.create_user("op-sched", "x" * 12, role=Role.VENDOR_OPERATOR)
    grant = support.grant_support(world.users[Role.CLINIC_ADMIN], operator.username, 2, "ticket 7: empty calendar")
    client = logged_in(operator)
    assert client.post(f"/support/{grant.pk}/enter/").status_code == 302
    day = appointment.starts_at.date().isoformat()
    for url in ("/schedule/", f"/schedule/practitioners/{world.gyn.pk}/?date={day}&view=week",
                f"/schedule/appointments/{appointment.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Ciąża" not in response.content.decode()
    assert client.post(f"/schedule/appointments/{appointment.pk}/cancel/", {"reason": "x"}).status_code == 403
    with clinic_context(clinic):
        assert Appointment.objects.get().status == "booked"
