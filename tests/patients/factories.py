"""Valid identifiers and patient data for the registry tests (generated, never real)."""
import datetime

from stdnum.pl import pesel as stdnum_pesel

CENTURY_OFFSET = {1800: 80, 1900: 0, 2000: 20, 2100: 40, 2200: 60}
LETTERS = {chr(ord("A") + n): 10 + n for n in range(26)}


def make_pesel(born: datetime.date, sex: str = "F", serial: int = 123) -> str:
    """A PESEL with a correct check digit: YYMMDD, 3 serial digits, the sex digit, the check digit."""
    month = born.month + CENTURY_OFFSET[born.year // 100 * 100]
    sex_digit = (serial % 5) * 2 + (1 if sex == "M" else 0)
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial % 1000:03d}{sex_digit}"
    return body + stdnum_pesel.calc_check_digit(body)


def make_id_card(letters: str = "ABA", digits: str = "00000") -> str:
    """letters + check digit + 5 digits (weights 7,3,1 | 7,3,1,7,3; check = sum mod 10)."""
    values = [LETTERS[c] for c in letters] + [int(d) for d in digits]
    check = sum(v * w for v, w in zip(values, (7, 3, 1, 7, 3, 1, 7, 3), strict=True)) % 10
    return f"{letters}{check}{digits}"


def make_passport(letters: str = "CC", digits: str = "999486") -> str:
    values = [LETTERS[c] for c in letters] + [int(d) for d in digits]
    check = sum(v * w for v, w in zip(values, (7, 3, 1, 7, 3, 1, 7, 3), strict=True)) % 10
    return f"{letters}{check}{digits}"


def adult(**overrides) -> dict:
    """Registration data of an adult with a PESEL (birth date and sex come from it)."""
    data = {
        "first_name": "Anna", "last_name": "Kowalska", "pesel": make_pesel(datetime.date(1980, 2, 3), "F"),
        "address": {"street": "Długa", "building": "5", "apartment": "2", "postal_code": "00-950",
                    "city": "Warszawa", "country": "PL"},
        "phone": "600 100 200", "email": "anna@example.com", "consent_sms": True, "consent_email": False,
        "preferred_channel": "sms",
    }
    return data | overrides
