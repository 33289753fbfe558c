import datetime

from klinika.scheduling.slots import ZONE


def local(*args) -> datetime.datetime:
    """An aware clinic-local moment: local(2030, 1, 14, 8, 0)."""
    return datetime.datetime(*args, tzinfo=ZONE)


def hhmm(slots) -> list[str]:
    return [s.local_start.strftime("%H:%M") for s in slots]
