"""NPWZ: 7 digits with the check digit of DESIGN.md, and only after a label; the rule is the
registration desk's (klinika.staff.validators)."""
import random

import pytest

from klinika.staff.validators import is_valid_npwz
from klinika.testdata.scrub import checks
from tests.testdata.scrub_support import clean, kinds


def test_the_check_digit_agrees_with_the_registration_desk():
    rng = random.Random(9)
    numbers = ["5425740"] + [f"{rng.randint(0, 9_999_999):07d}" for _ in range(3000)]
    assert all(checks.is_npwz(n) == is_valid_npwz(n) for n in numbers)
    assert sum(map(checks.is_npwz, numbers)) > 100


@pytest.mark.parametrize("text", [
    "Skierowana przez lek. Jan Nowak, NPWZ 5425740.",
    "Konsultacja dr. Anny Zięby (PWZ 5425740).",
    "Nr prawa wykonywania zawodu: 5425740.",
])
def test_a_labelled_licence_is_taken(text):
    assert ("NPWZ", "5425740") in kinds(text)
    assert "5425740" not in clean(text)


def test_an_unlabelled_seven_digit_number_stays():
    assert kinds("Numer zlecenia 5425740, wynik za tydzień.") == []


def test_a_labelled_number_with_a_wrong_check_digit_stays():
    assert kinds("lek. med., NPWZ 5425741") == []


def test_a_nurse_licence_is_taken_when_labelled():
    assert kinds("piel. dyplomowana, nr 1212345P") == [("NPWZ", "1212345P")]
