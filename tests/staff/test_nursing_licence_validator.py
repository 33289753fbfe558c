"""Nurse and midwife licence numbers: chamber 01-45, five digits, P (nurse) or A (midwife)."""
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from klinika.staff.models import Profession
from klinika.staff.validators import is_valid_nursing_licence, validate_licence

chambers = st.integers(min_value=1, max_value=45).map(lambda n: f"{n:02d}")
five_digits = st.text(alphabet="0123456789", min_size=5, max_size=5)


@given(chambers, five_digits, st.sampled_from([(Profession.NURSE, "P"), (Profession.MIDWIFE, "A")]))
def test_every_chamber_and_number_with_the_right_letter_is_valid(chamber, digits, profession_letter):
    profession, letter = profession_letter
    number = f"{chamber}{digits}{letter}"
    assert is_valid_nursing_licence(number, profession)
    assert validate_licence(profession, number.lower()) == number


@given(chambers, five_digits)
def test_the_letter_must_match_the_profession(chamber, digits):
    assert not is_valid_nursing_licence(f"{chamber}{digits}A", Profession.NURSE)
    assert not is_valid_nursing_licence(f"{chamber}{digits}P", Profession.MIDWIFE)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_licence(Profession.MIDWIFE, f"{chamber}{digits}P")
    assert "P is for a nurse" in str(error.value)


@given(st.integers(min_value=46, max_value=99), five_digits, st.sampled_from("PA"))
def test_chambers_past_45_do_not_exist(chamber, digits, letter):
    assert not is_valid_nursing_licence(f"{chamber}{digits}{letter}")


@pytest.mark.parametrize("value", ["0012345P", "4612345P", "12345P", "123456789P", "12A4567P", "1234567X", ""])
def test_malformed_numbers_are_refused_with_a_message(value):
    with pytest.raises(ValidationError) as error:
        validate_licence(Profession.NURSE, value)
    assert error.value.message_dict["licence_number"]


def test_a_doctor_needs_an_npwz_not_a_nursing_number():
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_licence(Profession.DOCTOR, "0312345P")
    assert "NPWZ" in str(error.value)
    assert validate_licence(Profession.DOCTOR, "5425740") == "5425740"
