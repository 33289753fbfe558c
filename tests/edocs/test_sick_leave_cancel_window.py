"""An issued e-ZLA can be cancelled (and reissued) within 3 working days of its issue, not later."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.edocs import rules, services
from klinika.edocs.models import DocStatus, SickLeave
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_sick_leave
from tests.edocs.world import sick_leave_data

pytestmark = pytest.mark.django_db


def _issued_on(leave, day: datetime.date):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    SickLeave.objects.filter(pk=leave.pk).update(signed_at=moment, created_at=moment)


def _latest_late_issue_day() -> datetime.date:
    """The last issue day whose cancellation window closed before today."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    while rules.sick_leave_cancel_deadline(day) >= timezone.localdate():
        day -= datetime.timedelta(days=1)
    return day


def test_cancelling_on_time_works_and_is_registered_on_the_platform(world):
    leave = signed_sick_leave(world)
    with clinic_context(world.clinic):
        services.cancel_document(world.doctor, "zla", leave.pk, "patient")
        leave.refresh_from_db()
    assert leave.status == DocStatus.CANCELLED and leave.cancelled_at is not None


def test_cancelling_after_the_third_working_day_is_refused(world):
    leave = signed_sick_leave(world)
    late = _latest_late_issue_day()
    with clinic_context(world.clinic):
        _issued_on(leave, late)
        deadline = rules.sick_leave_cancel_deadline(late)
        with pytest.raises(ValidationError) as refused:
            services.cancel_document(world.doctor, "zla", leave.pk, "error")
        assert refused.value.message_dict["__all__"] == [
            f"An e-ZLA can be cancelled within 3 working days of its issue, so until {deadline.isoformat()}; "
            f"it was issued on {late.isoformat()}."]
        with pytest.raises(ValidationError):
            services.reissue_sick_leave(world.doctor, leave.pk, data=sick_leave_data())
        leave.refresh_from_db()
        assert leave.status == DocStatus.SUBMITTED and not SickLeave.objects.filter(reissue_of=leave).exists()


def test_the_last_day_of_the_window_still_counts(world):
    leave = signed_sick_leave(world)
    on_time = _latest_late_issue_day() + datetime.timedelta(days=1)
    assert rules.sick_leave_cancel_deadline(on_time) >= timezone.localdate()
    with clinic_context(world.clinic):
        _issued_on(leave, on_time)
        services.cancel_document(world.doctor, "zla", leave.pk, "error")
        assert SickLeave.objects.get(pk=leave.pk).status == DocStatus.CANCELLED


def test_a_reissue_with_bad_data_cancels_nothing(world):
    leave = signed_sick_leave(world)
    with clinic_context(world.clinic):
        with pytest.raises(ValidationError) as refused:
            services.reissue_sick_leave(world.doctor, leave.pk, data=sick_leave_data(payer_nip="123"))
        assert "payer_nip" in refused.value.message_dict
        assert SickLeave.objects.get(pk=leave.pk).status == DocStatus.SUBMITTED
