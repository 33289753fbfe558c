"""Licence numbers of the people who may see patients.

Doctors (and dentists) have a 7-digit NPWZ whose first digit is a check digit over the
other six; python-stdnum has no module for it, so it lives here. Nurses and midwives have
an 8-character number: chamber code, five digits, P (nurse) or A (midwife).
"""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from klinika.staff.models import Profession

NURSING_CHAMBERS = range(1, 46)
NURSING_LETTER = {Profession.NURSE: "P", Profession.MIDWIFE: "A"}
_NURSING = re.compile(r"(\d{2})(\d{5})([PA])")


def normalise_licence(value) -> str:
    """What people type ("54 25 740", "12345 67p") in the stored form."""
    return re.sub(r"[\s-]", "", str(value or "")).upper()


def npwz_check_digit(six_digits: str) -> int:
    """K = (1·A + 2·B + … + 6·F) mod 11; 0 and 10 mean no licence ends in these six digits."""
    return sum(weight * int(digit) for weight, digit in enumerate(six_digits, start=1)) % 11


def is_valid_npwz(value) -> bool:
    number = normalise_licence(value)
    if len(number) != 7 or not number.isascii() or not number.isdigit() or number[0] == "0":
        return False
    return npwz_check_digit(number[1:]) == int(number[0])


def is_valid_nursing_licence(value, profession=None) -> bool:
    match = _NURSING.fullmatch(normalise_licence(value))
    if match is None or int(match[1]) not in NURSING_CHAMBERS:
        return False
    return profession is None or NURSING_LETTER.get(profession) == match[3]


def validate_licence(profession: str, value) -> str:
    """The normalised licence number, or a ValidationError that says what is wrong with it."""
    number = normalise_licence(value)
    if not number:
        raise ValidationError({"licence_number": _("Enter the licence number.")})
    if profession == Profession.DOCTOR:
        if not is_valid_npwz(number):
            raise ValidationError({"licence_number": _(
                "This is not a valid doctor's licence number (NPWZ): 7 digits, the first one a check digit.")})
    elif profession in NURSING_LETTER:
        if not is_valid_nursing_licence(number):
            raise ValidationError({"licence_number": _(
                "This is not a valid nurse's or midwife's licence number: chamber code 01-45, five digits, "
                "then P (nurse) or A (midwife).")})
        if not is_valid_nursing_licence(number, profession):
            raise ValidationError({"licence_number": _(
                "The letter at the end does not match the profession: P is for a nurse, A for a midwife.")})
    else:
        raise ValidationError({"profession": _("Choose a profession.")})
    return number
