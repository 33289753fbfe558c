"""Phone numbers (Polish 9 digits or +country), e-mail addresses, postal codes and dates."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from klinika.patients import validators


@pytest.mark.parametrize("typed", ["600100200", "600 100 200", "600-100-200", "+48 600 100 200", "+48600100200",
                                   "0048 600 100 200", "(+48) 600 100 200"])
def test_polish_numbers_are_stored_in_one_form(typed):
    assert validators.clean_phone(typed) == "+48 600 100 200"


def test_foreign_numbers_keep_their_country_code():
    assert validators.clean_phone("+380 67 123 4567") == "+380671234567"
    assert validators.clean_phone("0049 30 1234567") == "+49301234567"


@pytest.mark.parametrize("typed, message", [
    ("60010020", "9 digits"), ("6001002001", "9 digits"), ("060010020", "9 digits"), ("+48 60010020", "9 digits"),
    ("+1 23", "8 to 15 digits"), ("+0 123456789", "8 to 15 digits"), ("600 100 20x", "digits only"),
    ("call me", "digits only"),
])
def test_bad_numbers_are_refused_with_the_reason(typed, message):
    with pytest.raises(ValidationError, match=message):
        validators.clean_phone(typed)


def test_email_addresses_use_djangos_validator_and_lower_the_domain():
    assert validators.clean_email(" Anna.Nowak@Example.COM ") == "Anna.Nowak@example.com"
    for bad in ["anna", "anna@", "@example.com", "anna@exa mple.com", "a" * 250 + "@x.pl"]:
        with pytest.raises(ValidationError):
            validators.clean_email(bad)


def test_polish_postal_codes_are_checked_and_foreign_ones_are_not():
    assert validators.clean_postal_code("00950", "PL") == "00-950"
    assert validators.clean_postal_code("00-950", "PL") == "00-950"
    assert validators.clean_postal_code("10115", "DE") == "10115"
    with pytest.raises(ValidationError, match="00-950"):
        validators.clean_postal_code("0-950", "PL")


def test_dates_are_read_in_iso_and_polish_forms():
    assert validators.parse_date("2024-02-29") == datetime.date(2024, 2, 29)
    assert validators.parse_date("29.02.2024") == datetime.date(2024, 2, 29)
    for bad in ["2023-02-29", "31.04.2024", "yesterday", ""]:
        with pytest.raises(ValidationError, match="real date"):
            validators.parse_date(bad)
