"""PESEL edge cases: centuries, leap days, future births, check digits, contradictions."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from klinika.patients import validators
from tests.patients.factories import make_pesel

TODAY = datetime.date(2026, 6, 15)


def _message(exc_info) -> str:
    return " ".join(exc_info.value.messages)


@pytest.mark.parametrize("born", [
    datetime.date(1885, 7, 4),    # month + 80
    datetime.date(1999, 12, 31),  # month as is
    datetime.date(2000, 1, 1),    # month + 20
    datetime.date(2025, 11, 30),
])
def test_a_past_birth_in_any_century_is_read_from_the_month(born):
    number = make_pesel(born, "M")
    assert validators.clean_pesel(number, today=TODAY) == number
    assert validators.pesel_birth_date(number) == born
    assert validators.pesel_sex(number) == "M"


@pytest.mark.parametrize("born", [datetime.date(2101, 3, 1), datetime.date(2205, 5, 5)])
def test_births_in_the_2100s_and_2200s_are_in_the_future_and_refused(born):
    number = make_pesel(born)
    assert validators.pesel_birth_date(number) == born  # the century offsets are read right…
    with pytest.raises(ValidationError) as caught:
        validators.clean_pesel(number, today=TODAY)  # …and such a date has not happened yet
    assert caught.value.code == "pesel_future"
    assert "future" in _message(caught) and str(born.year) in _message(caught)


def test_a_birth_tomorrow_is_refused_and_today_accepted():
    assert validators.clean_pesel(make_pesel(TODAY), today=TODAY)
    with pytest.raises(ValidationError, match="future"):
        validators.clean_pesel(make_pesel(TODAY + datetime.timedelta(days=1)), today=TODAY)


@pytest.mark.parametrize("born", [datetime.date(2000, 2, 29), datetime.date(2024, 2, 29), datetime.date(1996, 2, 29)])
def test_29_february_of_a_leap_year_is_accepted(born):
    number = make_pesel(born)
    assert validators.clean_pesel(number, today=TODAY) == number
    assert validators.pesel_birth_date(number) == born


@pytest.mark.parametrize("year, month_digits", [(1900, "02"), (2023, "22"), (2100, "42")])
def test_29_february_of_a_common_year_is_refused(year, month_digits):
    body = f"{year % 100:02d}{month_digits}29" + "1234"
    from stdnum.pl import pesel

    number = body + pesel.calc_check_digit(body)
    with pytest.raises(ValidationError) as caught:
        validators.clean_pesel(number, today=TODAY)
    assert caught.value.code == "pesel_date"
    assert "does not hold a real birth date" in _message(caught)


def test_a_wrong_check_digit_is_refused_with_a_clear_message():
    number = make_pesel(datetime.date(1980, 2, 3))
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as caught:
        validators.clean_pesel(wrong, today=TODAY)
    assert caught.value.code == "pesel_checksum"
    assert "check digit" in _message(caught)


@pytest.mark.parametrize("text", ["", "8002031234", "800203123456", "8002031234a", "abcdefghijk", "80-02-03-123"])
def test_anything_but_11_digits_is_refused(text):
    with pytest.raises(ValidationError) as caught:
        validators.clean_pesel(text, today=TODAY)
    assert caught.value.code == "pesel_format"
    assert "11 digits" in _message(caught)


def test_spaces_typed_inside_a_pesel_are_dropped():
    number = make_pesel(datetime.date(1980, 2, 3))
    assert validators.clean_pesel(f" {number[:6]} {number[6:]} ", today=TODAY) == number


def test_an_entered_birth_date_that_contradicts_the_pesel_is_named():
    number = make_pesel(datetime.date(1980, 2, 3), "F")
    problems = validators.pesel_mismatches(number, datetime.date(1980, 3, 2), "F")
    assert problems == {"birth_date": "PESEL gives birth date Feb. 3, 1980 but March 2, 1980 was entered."}


def test_an_entered_sex_that_contradicts_the_sex_digit_is_named():
    woman = make_pesel(datetime.date(1980, 2, 3), "F")
    man = make_pesel(datetime.date(1980, 2, 3), "M")
    assert validators.pesel_mismatches(woman, None, "M") == {"sex": "PESEL gives sex female but male was entered."}
    assert validators.pesel_mismatches(man, None, "F") == {"sex": "PESEL gives sex male but female was entered."}
    assert validators.pesel_mismatches(man, datetime.date(1980, 2, 3), "M") == {}


def test_messages_are_translated_to_polish():
    number = make_pesel(datetime.date(1980, 2, 3), "F")
    with translation.override("pl"):
        problems = validators.pesel_mismatches(number, datetime.date(1980, 3, 2), "M")
        with pytest.raises(ValidationError) as caught:
            validators.clean_pesel(number[:-1] + str((int(number[-1]) + 1) % 10))
    english = "PESEL gives birth date Feb. 3, 1980 but March 2, 1980 was entered."
    assert problems["birth_date"] != english
    assert "3 lutego 1980" in problems["birth_date"] and "2 marca 1980" in problems["birth_date"]
    assert "kobieta" in problems["sex"] and "mężczyzna" in problems["sex"]
    assert "check digit" not in _message(caught)
