"""Polish public holidays, Easter-based feasts included, and counting working days."""
import datetime

from hypothesis import given
from hypothesis import strategies as st

from klinika.edocs.holidays import add_working_days, easter_sunday, is_working_day, public_holidays

D = datetime.date


def test_easter_sunday_on_known_years():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027, 2038)] == [
        D(2024, 3, 31), D(2025, 4, 20), D(2026, 4, 5), D(2027, 3, 28), D(2038, 4, 25)]


def test_the_2026_holidays():
    assert sorted(public_holidays(2026)) == [
        D(2026, 1, 1), D(2026, 1, 6), D(2026, 4, 5), D(2026, 4, 6), D(2026, 5, 1), D(2026, 5, 3),
        D(2026, 5, 24), D(2026, 6, 4), D(2026, 8, 15), D(2026, 11, 1), D(2026, 11, 11), D(2026, 12, 24),
        D(2026, 12, 25), D(2026, 12, 26)]
    assert D(2024, 12, 24) not in public_holidays(2024)  # a holiday only since 2025


def test_working_days_skip_weekends_and_holidays():
    assert add_working_days(D(2026, 4, 2), 3) == D(2026, 4, 8)      # Thu → Fri, (Easter Mon), Tue, Wed
    assert add_working_days(D(2026, 12, 23), 3) == D(2026, 12, 30)  # Wed → (24–27 off) Mon 28, Tue, Wed
    assert add_working_days(D(2026, 6, 3), 1) == D(2026, 6, 5)      # Corpus Christi on Thursday 4 June
    assert not is_working_day(D(2026, 11, 11)) and is_working_day(D(2026, 11, 12))


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2200, 12, 31)))
def test_easter_is_a_sunday_between_march_22_and_april_25(day):
    easter = easter_sunday(day.year)
    assert easter.weekday() == 6 and D(day.year, 3, 22) <= easter <= D(day.year, 4, 25)
