"""One practitioner works one set of hours at a time: overlapping weekly hours are refused by the service and by the
form (a clear translated error, nothing saved); touching hours, other weekdays, other validity and other
practitioners are fine. The hours table names the weekday."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from klinika.accounts.roles import Role
from klinika.scheduling.models import WeeklyAvailability
from klinika.scheduling.services import setup as setup_services
from klinika.tenancy.context import clinic_context
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db

FROM = datetime.date(2030, 1, 7)


def _add(world, practitioner=None, weekday=2, start="09:00", end="13:00", valid_from=FROM, valid_until=None):
    return setup_services.add_weekly_hours(
        world.users[Role.CLINIC_ADMIN], practitioner=practitioner or world.nurse, weekday=weekday, start_time=start,
        end_time=end, visit_types=[world.follow_up], valid_from=valid_from, valid_until=valid_until)


@pytest.mark.parametrize("start, end", [("12:00", "14:00"), ("08:00", "09:30"), ("10:00", "11:00"),
                                        ("08:00", "14:00"), ("09:00", "13:00")])
def test_the_service_refuses_hours_that_overlap(world, in_clinic, start, end):
    _add(world)
    with pytest.raises(ValidationError) as refused:
        _add(world, start=start, end=end, valid_from=FROM + datetime.timedelta(days=30))
    assert "nakładają się na środa 09:00–13:00" in refused.value.message_dict["start_time"][0]
    assert WeeklyAvailability.objects.filter(practitioner=world.nurse).count() == 1


def test_touching_hours_other_days_other_validity_and_other_practitioners_are_fine(world, in_clinic):
    _add(world, valid_until=FROM + datetime.timedelta(days=60))
    _add(world, start="13:00", end="15:00")
    _add(world, start="07:00", end="09:00")
    _add(world, weekday=3)
    _add(world, valid_from=FROM + datetime.timedelta(days=61))
    _add(world, practitioner=world.gyn, weekday=6)
    assert WeeklyAvailability.objects.filter(practitioner=world.nurse).count() == 5


def test_the_form_refuses_them_with_the_message_and_the_table_names_the_weekday(world, clinic):
    with clinic_context(clinic):
        _add(world)
    client = logged_in(world.users[Role.CLINIC_ADMIN])
    page = client.post(f"/schedule/setup/practitioners/{world.nurse.pk}/", {
        "form": "hours", "weekday": 2, "start_time": "12:30", "end_time": "16:00", "slot_minutes": 15,
        "visit_types": [world.follow_up.pk], "valid_from": "2030-03-01"})
    html = page.content.decode()
    assert page.status_code == 400 and "Te godziny nakładają się na środa 09:00–13:00" in html
    with clinic_context(clinic):
        assert WeeklyAvailability.objects.filter(practitioner=world.nurse).count() == 1
    table = client.get(f"/schedule/setup/practitioners/{world.nurse.pk}/").content.decode()
    row = table.split('<table class="hours">', 1)[1].split("</table>", 1)[0]
    assert "<td>środa</td><td>09:00–13:00</td>" in row
