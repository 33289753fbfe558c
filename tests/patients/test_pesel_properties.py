"""Properties of PESEL validation over generated numbers (Hypothesis)."""
import datetime

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from klinika.patients import validators
from tests.patients.factories import make_id_card, make_passport, make_pesel

TODAY = datetime.date(2026, 6, 15)
birth_dates = st.dates(min_value=datetime.date(1800, 1, 1), max_value=TODAY)
sexes = st.sampled_from("MF")
serials = st.integers(min_value=0, max_value=999)


def _rejected(number: str) -> bool:
    try:
        validators.clean_pesel(number, today=TODAY)
    except ValidationError:
        return True
    return False


@given(birth_dates, sexes, serials)
def test_a_generated_pesel_validates_and_gives_back_its_birth_date_and_sex(born, sex, serial):
    number = make_pesel(born, sex, serial)
    assert validators.clean_pesel(number, today=TODAY) == number
    assert validators.pesel_birth_date(number) == born
    assert validators.pesel_sex(number) == sex
    assert validators.pesel_mismatches(number, born, sex) == {}


@given(birth_dates, sexes, serials, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_breaks_it(born, sex, serial, position, delta):
    number = make_pesel(born, sex, serial)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1:]
    assert _rejected(changed)


@given(birth_dates, sexes, serials)
def test_the_tenth_digit_alone_decides_the_sex(born, sex, serial):
    from stdnum.pl import pesel

    number = make_pesel(born, sex, serial)
    flipped_body = number[:9] + str((int(number[9]) + 1) % 10)
    flipped = flipped_body + pesel.calc_check_digit(flipped_body)
    assert validators.pesel_sex(flipped) != sex
    assert validators.pesel_birth_date(flipped) == born


@given(birth_dates, sexes, serials, sexes)
def test_an_entered_sex_is_contradicted_exactly_when_it_differs(born, sex, serial, entered):
    number = make_pesel(born, sex, serial)
    assert ("sex" in validators.pesel_mismatches(number, None, entered)) == (entered != sex)


@given(birth_dates, sexes, serials, birth_dates)
def test_an_entered_birth_date_is_contradicted_exactly_when_it_differs(born, sex, serial, entered):
    number = make_pesel(born, sex, serial)
    assert ("birth_date" in validators.pesel_mismatches(number, entered, None)) == (entered != born)


@given(st.dates(min_value=TODAY + datetime.timedelta(days=1), max_value=datetime.date(2299, 12, 31)), sexes, serials)
def test_a_birth_date_after_today_is_always_refused(born, sex, serial):
    assert _rejected(make_pesel(born, sex, serial))


@given(st.text(max_size=15))
def test_arbitrary_text_never_crashes_the_validator(text):
    try:
        assert len(validators.clean_pesel(text, today=TODAY)) == 11
    except ValidationError as exc:
        assert exc.messages


letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=1)


@given(st.lists(letters, min_size=3, max_size=3), st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_generated_id_card_numbers_validate_and_a_changed_check_digit_does_not(chars, digits):
    number = make_id_card("".join(chars), digits)
    assert validators.id_card_is_valid(number)
    wrong = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]
    assert not validators.id_card_is_valid(wrong)


@given(st.lists(letters, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_generated_passport_numbers_validate_and_a_changed_check_digit_does_not(chars, digits):
    number = make_passport("".join(chars), digits)
    assert validators.polish_passport_is_valid(number)
    wrong = number[:2] + str((int(number[2]) + 1) % 10) + number[3:]
    assert not validators.polish_passport_is_valid(wrong)
