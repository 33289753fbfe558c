"""Doctor's licence numbers (NPWZ): 7 digits, the first a check digit over the other six."""
from hypothesis import given
from hypothesis import strategies as st

from klinika.staff.validators import is_valid_npwz, npwz_check_digit

six_digits = st.text(alphabet="0123456789", min_size=6, max_size=6)


def test_the_documented_example_is_valid():
    assert is_valid_npwz("5425740")
    assert is_valid_npwz(" 542 5740 ")  # as typed, with spaces


@given(six_digits)
def test_a_number_is_valid_exactly_when_its_first_digit_is_the_check_digit(digits):
    check = npwz_check_digit(digits)
    for first in "0123456789":
        assert is_valid_npwz(first + digits) == (first != "0" and int(first) == check)


@given(six_digits)
def test_six_digits_whose_check_is_0_or_10_make_no_valid_licence(digits):
    if npwz_check_digit(digits) in (0, 10):
        assert not any(is_valid_npwz(first + digits) for first in "0123456789")


@given(six_digits, st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_of_a_valid_number_makes_it_invalid(digits, position, delta):
    check = npwz_check_digit(digits)
    if check in (0, 10):
        return
    number = f"{check}{digits}"
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    # weights 1..6 are all coprime to 11, so one changed digit always changes the check value
    assert not is_valid_npwz(changed)


@given(st.text(max_size=12))
def test_anything_but_seven_ascii_digits_is_invalid(text):
    compact = text.replace(" ", "").replace("-", "")
    if not (len(compact) == 7 and compact.isascii() and compact.isdigit()):
        assert not is_valid_npwz(text)
