"""A leave over booked visits is not saved silently: the visits are listed first, and the leave is saved together
with a decision for each (move to an offered free slot, cancel with a content-free notice, keep and list it for
the desk); anything undecided saves nothing. Held waitlist slots in the way are released."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from klinika.accounts.roles import Role
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.scheduling.models import Appointment, AvailabilityException, WaitlistEntry, WeeklyAvailability
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.services import waitlist
from klinika.scheduling.slots import local_date
from klinika.tenancy.context import clinic_context
from tests.notify.booking import use_outbox
from tests.scheduling.clients import logged_in
from tests.scheduling.leave_world import REASONS, monday_leave, three_booked_visits

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


def _leave(world, starts, ends):
    admin = world.users[Role.CLINIC_ADMIN]
    change = setup_services.leave_change(world.gyn, starts, ends)
    return admin, change, lambda: setup_services.add_exception(admin, practitioner=world.gyn, kind="unavailable",
                                                               starts_at=starts, ends_at=ends)


def test_move_cancel_keep_in_one_go_and_the_cancelled_patient_gets_a_content_free_sms(world, people, in_clinic,
                                                                                      outbox):
    moved, cancelled, kept = visits = three_booked_visits(world, people)
    starts, ends = monday_leave(visits)
    admin, change, save = _leave(world, starts, ends)
    assert [v.pk for v in setup_services.visits_affected(admin, change)] == [v.pk for v in visits]
    options = setup_services.move_options(admin, moved, change)
    assert options and all(not (starts <= o.starts_at < ends) for o in options)
    target = options[0]
    outcomes = setup_services.apply_change(admin, change, {
        moved.pk: setup_services.Decision("move", target.practitioner_id, target.starts_at),
        cancelled.pk: setup_services.Decision("cancel"), kept.pk: setup_services.Decision("keep")}, save=save)

    assert [(o.action, o.notice) for o in outcomes] == [("move", ""), ("cancel", "sent"), ("keep", "")]
    assert AvailabilityException.objects.filter(practitioner=world.gyn, kind="unavailable").count() == 1
    states = {a.pk: (a.status, a.outside_hours) for a in Appointment.objects.all()}
    assert states[moved.pk] == ("cancelled", False) and states[cancelled.pk] == ("cancelled", False)
    assert states[kept.pk] == ("booked", True)
    new = Appointment.objects.get(rescheduled_from=moved)
    assert (new.status, new.starts_at, new.reason) == ("booked", target.starts_at, REASONS[0])
    (sms,) = read_outbox(outbox)
    assert sms["to"] == to_msisdn(cancelled.patient.phone)
    local = cancelled.starts_at.astimezone(starts.tzinfo)
    assert f"{local:%d.%m}" in sms["text"] and f"{local:%H:%M}" in sms["text"] and world.clinic.name in sms["text"]
    lowered = sms["text"].lower()
    for word in ("ginekolog", "endometrioza", world.gyn.staff.last_name.lower(), world.follow_up.name.lower()):
        assert word not in lowered
    assert OutboundMessage.objects.get().reference == f"visit-cancelled:{cancelled.pk}"
    assert [v.pk for v in setup_services.visits_kept_outside_hours(world.users[Role.REGISTRAR])] == [kept.pk]
    read = {v.pk: v for v in setup_services.read_outcomes(admin, [v.pk for v in visits])}
    assert read[cancelled.pk].notice == "sent" and read[moved.pk].moved_to == new


def test_an_undecided_visit_or_two_moves_to_one_time_save_nothing(world, people, in_clinic, outbox):
    first, second, third = visits = three_booked_visits(world, people)
    admin, change, save = _leave(world, *monday_leave(visits))
    with pytest.raises(ValidationError, match="Zdecyduj"):
        setup_services.apply_change(admin, change, {first.pk: setup_services.Decision("keep")}, save=save)
    target = setup_services.move_options(admin, first, change)[0]
    both = setup_services.Decision("move", target.practitioner_id, target.starts_at)
    with pytest.raises(ValidationError, match="tę samą godzinę"):
        setup_services.apply_change(admin, change, {first.pk: both, second.pk: both,
                                                    third.pk: setup_services.Decision("cancel")}, save=save)
    assert not AvailabilityException.objects.exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}
    assert read_outbox(outbox) == []


def test_a_patient_without_consent_is_not_messaged_and_the_desk_is_told(world, people, in_clinic, outbox):
    visits = three_booked_visits(world, people)
    patient = visits[0].patient
    patient.consent_sms = False
    patient.save()
    admin, change, save = _leave(world, *monday_leave(visits))
    outcomes = setup_services.apply_change(admin, change, {v.pk: setup_services.Decision("cancel") for v in visits},
                                           save=save)
    assert [o.notice for o in outcomes] == ["not-sent", "sent", "sent"]
    assert len(read_outbox(outbox)) == 2
    assert setup_services.read_outcomes(admin, [visits[0].pk])[0].notice == ""


def test_a_waitlist_hold_in_the_leave_is_released_and_its_patient_waits_again(world, people, in_clinic, outbox):
    visits = three_booked_visits(world, people)
    day = local_date(visits[0].starts_at)
    entry = waitlist.add_to_waitlist(world.users[Role.REGISTRAR], patient=world.patients[0],
                                     visit_type=world.follow_up, earliest=day - datetime.timedelta(days=7),
                                     latest=day, practitioner=world.gyn)
    admin = world.users[Role.CLINIC_ADMIN]
    from klinika.scheduling import services

    services.cancel_appointment(world.users[Role.REGISTRAR], visits[2].pk, "pacjentka wyjeżdża")
    entry.refresh_from_db()
    hold = entry.appointment
    assert hold.status == "held"
    change, save = _leave(world, *monday_leave(visits))[1:]
    outcomes = setup_services.apply_change(admin, change, {v.pk: setup_services.Decision("keep")
                                                           for v in visits[:2]}, save=save)
    assert len(outcomes) == 2
    hold.refresh_from_db()
    entry.refresh_from_db()
    assert hold.status == "cancelled" and entry.status == WaitlistEntry.Status.WAITING


def test_ending_weekly_hours_lists_the_visits_left_outside_them(world, people, in_clinic):
    visits = three_booked_visits(world, people)
    admin = world.users[Role.CLINIC_ADMIN]
    monday_hours = world.gyn.availability.get(weekday=0)
    change = setup_services.end_hours_change(monday_hours.pk, local_date(visits[0].starts_at) - datetime.timedelta(
        days=1))
    assert [v.pk for v in setup_services.visits_affected(admin, change)] == [v.pk for v in visits]
    not_yet = setup_services.end_hours_change(monday_hours.pk, local_date(visits[0].starts_at))
    assert setup_services.visits_affected(admin, not_yet) == []


def test_the_page_lists_the_visits_before_saving_and_refuses_an_incomplete_answer(world, people, clinic, outbox):
    with clinic_context(clinic):
        visits = three_booked_visits(world, people)
        starts, ends = monday_leave(visits)
    client = logged_in(world.users[Role.CLINIC_ADMIN])
    url = f"/schedule/setup/practitioners/{world.gyn.pk}/"
    form = {"form": "exception", "kind": "unavailable", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M")}
    review = client.post(url, form)
    html = review.content.decode()
    assert review.status_code == 200 and "Wizyty umówione w tym czasie" in html
    assert all(f'name="decision-{v.pk}"' in html for v in visits)
    with clinic_context(clinic):
        assert not AvailabilityException.objects.exists()
    incomplete = client.post(url, form | {"review": "done", f"decision-{visits[0].pk}": "keep"})
    assert incomplete.status_code == 400 and "Wybierz, co dzieje się z tą wizytą." in incomplete.content.decode()
    done = client.post(url, form | {"review": "done"} | {f"decision-{v.pk}": "keep" for v in visits})
    assert done.status_code == 302 and "/changes/?a=" in done["Location"]
    summary = client.get(done["Location"]).content.decode()
    assert summary.count("Zostawiona poza godzinami pracy.") == 3
    assert "Wizyty zostawione poza godzinami pracy" in client.get("/schedule/").content.decode()
    detail = logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/appointments/{visits[0].pk}/")
    assert "zostawiona poza godzinami pracy" in detail.content.decode()


def test_ending_weekly_hours_on_the_page_asks_first_too(world, people, clinic, outbox):
    with clinic_context(clinic):
        visits = three_booked_visits(world, people)
        monday_hours = world.gyn.availability.get(weekday=0)
        last_day = (local_date(visits[0].starts_at) - datetime.timedelta(days=1)).isoformat()
    client = logged_in(world.users[Role.CLINIC_ADMIN])
    url = f"/schedule/setup/practitioners/{world.gyn.pk}/hours/{monday_hours.pk}/end/"
    review = client.post(url, {"valid_until": last_day})
    assert review.status_code == 200 and all(f'name="decision-{v.pk}"' in review.content.decode() for v in visits)
    with clinic_context(clinic):
        assert WeeklyAvailability.objects.get(pk=monday_hours.pk).valid_until is None
    done = client.post(url, {"valid_until": last_day, "review": "done"}
                       | {f"decision-{v.pk}": "cancel" for v in visits})
    assert done.status_code == 302
    with clinic_context(clinic):
        assert str(WeeklyAvailability.objects.get(pk=monday_hours.pk).valid_until) == last_day
        assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}
    assert len(read_outbox(outbox)) == 3
    assert client.get(done["Location"]).content.decode().count("Pacjent dostał powiadomienie.") == 3
