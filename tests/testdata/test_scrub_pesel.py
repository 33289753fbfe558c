"""A PESEL is 11 digits with a valid check digit and date; a labelled one goes even if mistyped."""
import pytest
from stdnum.pl import pesel

from klinika.testdata.synthetic import SyntheticPeople
from tests.testdata.scrub_support import clean, kinds

VALID = SyntheticPeople(seed=3).patient()["pesel"]


def _broken(number: str) -> str:
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not pesel.is_valid(wrong)
    return wrong


@pytest.mark.parametrize("written", [VALID, f"{VALID[:6]} {VALID[6:]}", f"{VALID[:6]}-{VALID[6:]}",
                                     f"{VALID[:2]} {VALID[2:4]} {VALID[4:6]} {VALID[6:]}"])
def test_a_valid_pesel_is_taken_however_it_is_spaced(written):
    text = f"Pacjentka (nr {written}) zgłasza ból głowy."
    assert kinds(text) == [("PESEL", written)]
    assert clean(text) == "Pacjentka (nr [PESEL]) zgłasza ból głowy."


def test_eleven_digits_with_a_wrong_check_digit_are_not_a_pesel():
    text = f"Próbka nr {_broken(VALID)} przekazana do laboratorium."
    assert kinds(text) == []
    assert clean(text) == text


def test_a_labelled_pesel_goes_even_with_a_wrong_check_digit():
    wrong = _broken(VALID)
    assert kinds(f"PESEL: {wrong}, przyjęta planowo.") == [("PESEL", wrong)]


def test_a_pesel_inside_a_longer_number_is_not_one():
    assert kinds(f"Kod kreskowy 9{VALID}3 na probówce.") == []


def test_a_valid_pesel_right_after_another_number_is_still_found():
    """A refused candidate (here starting inside "12") must not hide the real one after it."""
    assert ("PESEL", VALID) in kinds(f"pokój 12 {VALID} wizyta")
