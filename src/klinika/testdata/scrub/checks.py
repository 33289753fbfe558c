"""Check digits of the Polish identifiers the scrubber looks for.

PESEL, NIP and REGON are python-stdnum's (`stdnum.pl`); stdnum has no module for the identity
card, the passport or the doctor's licence, so their published algorithms live here:

- Identity card (dowód osobisty): three letters and six digits; the ICAO 9303 7-3-1 weighting
  with letters worth A=10 … Z=35, the check digit being the 4th character (weight 9 ≡ -1), so
  weights 7 3 1 9 7 3 1 7 3 and the sum ≡ 0 (mod 10) (https://en.wikipedia.org/wiki/Polish_identity_card;
  Faker's pl_PL `identity_card_number` computes the same).
- Passport (paszport): two letters and seven digits, the same values and weighting with the
  check digit as the 3rd character: weights 7 3 9 1 7 3 1 7 3, sum ≡ 0 (mod 10)
  (https://en.wikipedia.org/wiki/Polish_passport; `SyntheticPeople.passport_number` computes the same).
- Doctor's licence (NPWZ, as published by the Naczelna Izba Lekarska): seven digits
  K A B C D E F, K = (1·A + 2·B + … + 6·F) mod 11, K never 0 (DESIGN.md). The registration desk
  checks the same rule in `klinika.staff.validators`; that module needs Django models, so the
  scrubber (pure functions) keeps its own three lines, and a test holds the two equal.
- Nurse and midwife licence: chamber 01–45, five digits, P or A (DESIGN.md).
"""
from stdnum.pl import nip, pesel, regon

__all__ = ["is_id_card", "is_nip", "is_npwz", "is_nursing_licence", "is_passport", "is_pesel", "is_regon"]


def _value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def _weighted_ok(code: str, letters: int, weights: tuple[int, ...]) -> bool:
    code = code.upper()
    if len(code) != len(weights) or not code.isascii():
        return False
    if not (code[:letters].isalpha() and code[letters:].isdigit()):
        return False
    return sum(_value(c) * w for c, w in zip(code, weights, strict=True)) % 10 == 0


def is_id_card(code: str) -> bool:
    """ABC123456 where 1 is the check digit."""
    return _weighted_ok(code, 3, (7, 3, 1, 9, 7, 3, 1, 7, 3))


def is_passport(code: str) -> bool:
    """AB1234567 where 1 is the check digit."""
    return _weighted_ok(code, 2, (7, 3, 9, 1, 7, 3, 1, 7, 3))


def is_npwz(digits: str) -> bool:
    if len(digits) != 7 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    return sum(w * int(d) for w, d in enumerate(digits[1:], start=1)) % 11 == int(digits[0])


def is_nursing_licence(code: str) -> bool:
    code = code.upper()
    return (len(code) == 8 and code[:7].isascii() and code[:7].isdigit() and code[7] in "PA"
            and 1 <= int(code[:2]) <= 45)


def is_pesel(digits: str) -> bool:
    return len(digits) == 11 and pesel.is_valid(digits)


def is_nip(digits: str) -> bool:
    return len(digits) == 10 and nip.is_valid(digits)


def is_regon(digits: str) -> bool:
    return len(digits) in (9, 14) and regon.is_valid(digits)
