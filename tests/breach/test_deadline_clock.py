"""The 72-hour clock of art. 33(1) runs from the time of awareness; a late report needs its reasons."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.breach import deadlines, services

pytestmark = pytest.mark.django_db
AWARE = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30))


def _incident(clinic, detected_at=AWARE):
    return services.open_incident(clinic, summary="Zgubiony laptop z eksportem", detected_at=detected_at,
                                  source_kind="handover_export", source_ref="/nowhere", keystore_exposed=False,
                                  root_key_exposed=False, contact_point="iod@example.pl",
                                  now=AWARE + datetime.timedelta(hours=1))


def test_the_clock_counts_72_hours_from_awareness(clinic):
    incident = _incident(clinic)
    clock = deadlines.clock(incident, now=AWARE + datetime.timedelta(hours=10))
    assert clock.deadline == AWARE + datetime.timedelta(hours=72)
    assert clock.hours_left() == 62.0 and not clock.overdue
    late = deadlines.clock(incident, now=AWARE + datetime.timedelta(hours=73, minutes=30))
    assert late.overdue and late.hours_left() == -1.5
    assert deadlines.delay_reason_missing(incident, now=AWARE + datetime.timedelta(hours=73))
    assert not deadlines.delay_reason_missing(incident, now=AWARE + datetime.timedelta(hours=71))


def test_a_report_in_time_stops_the_clock(clinic):
    incident = services.record_report(_incident(clinic), reported_at=AWARE + datetime.timedelta(hours=48))
    clock = deadlines.clock(incident, now=AWARE + datetime.timedelta(days=30))
    assert not clock.overdue and clock.hours_left() == 24.0
    assert not deadlines.delay_reason_missing(incident, now=AWARE + datetime.timedelta(days=30))


def test_a_late_report_needs_the_reasons_for_the_delay(clinic):
    incident = _incident(clinic)
    with pytest.raises(ValidationError) as error:
        services.record_report(incident, reported_at=AWARE + datetime.timedelta(hours=80))
    assert "delay_reason" in error.value.message_dict
    incident.refresh_from_db()
    assert incident.reported_at is None  # nothing changed
    incident = services.record_report(incident, reported_at=AWARE + datetime.timedelta(hours=80),
                                      delay_reason="Zakres ustalono dopiero po odzyskaniu kopii.")
    assert deadlines.clock(incident).overdue and not deadlines.delay_reason_missing(incident)


def test_bad_input_is_refused_with_reasons(clinic):
    with pytest.raises(ValidationError) as error:
        services.open_incident(clinic, summary=" ", detected_at=timezone.now() + datetime.timedelta(days=1),
                               source_kind="floppy", keystore_exposed=None, root_key_exposed=False,
                               contact_point="", window_start=AWARE, window_end=AWARE - datetime.timedelta(days=1))
    assert set(error.value.message_dict) == {"summary", "detected_at", "source_kind", "keys", "contact_point",
                                             "window_end"}
    with pytest.raises(ValidationError):
        services.record_report(_incident(clinic), reported_at=AWARE - datetime.timedelta(hours=1))
