"""Slots are laid out with one UTC offset per day; on the two days a year when Warsaw's clock
changes, time by time. Both ways must give the same moments on every day."""
import datetime
from types import SimpleNamespace

from klinika.scheduling.slots import _day_offset, _weekly_block


def test_one_offset_per_day_gives_the_moments_of_converting_each_time():
    templates = [SimpleNamespace(start_time=datetime.time(h, m), end_time=datetime.time(e, 0), slot_minutes=s,
                                 room_id=None)
                 for h, m, e, s in ((0, 0, 23, 15), (1, 0, 4, 30), (2, 0, 3, 20), (8, 10, 16, 45))]
    day, changing = datetime.date(2029, 1, 1), []
    while day < datetime.date(2031, 1, 1):
        offset = _day_offset(day)
        if offset is None:
            changing.append(day)
        for template in templates:
            fast, exact = _weekly_block(template, day, offset), _weekly_block(template, day, None)
            assert fast.starts == exact.starts, (day, template)
            assert all(s.utcoffset() == datetime.timedelta(0) for s in fast.starts)
        day += datetime.timedelta(days=1)
    assert changing == [datetime.date(2029, 3, 25), datetime.date(2029, 10, 28),
                        datetime.date(2030, 3, 31), datetime.date(2030, 10, 27)]
