"""The 72-hour clock of art. 33(1) GDPR: from the time of awareness to the report to the authority.

A report made later must say why (art. 33(1), last sentence): `delay_reason_missing` tells when it does not.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone

REPORT_WITHIN = datetime.timedelta(hours=72)


@dataclass(frozen=True)
class Clock:
    detected_at: datetime.datetime
    deadline: datetime.datetime
    now: datetime.datetime
    reported_at: datetime.datetime | None

    @property
    def remaining(self) -> datetime.timedelta:
        """Time left until the deadline (negative once past); measured to the report once it was made."""
        return self.deadline - (self.reported_at or self.now)

    @property
    def overdue(self) -> bool:
        return self.remaining < datetime.timedelta(0)

    @property
    def elapsed(self) -> datetime.timedelta:
        return (self.reported_at or self.now) - self.detected_at

    def hours_left(self) -> float:
        return round(self.remaining.total_seconds() / 3600, 1)

    def as_dict(self) -> dict:
        return {"detected_at": self.detected_at.isoformat(), "deadline": self.deadline.isoformat(),
                "reported_at": self.reported_at.isoformat() if self.reported_at else None,
                "hours_left": self.hours_left(), "overdue": self.overdue}


def clock(incident, now=None) -> Clock:
    return Clock(incident.detected_at, incident.detected_at + REPORT_WITHIN, now or timezone.now(),
                 incident.reported_at)


def delay_reason_missing(incident, now=None) -> bool:
    """Past 72 hours (reported late, or not yet reported) and no reason for the delay recorded."""
    return clock(incident, now).overdue and not (incident.delay_reason or "").strip()
