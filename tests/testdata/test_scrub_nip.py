"""NIP: 10 digits with a valid check digit, with or without dashes and the PL prefix."""
import pytest

from tests.testdata.scrub_support import kinds

VALID = "5260001246"  # check digit valid (stdnum.pl.nip)


@pytest.mark.parametrize("written", [VALID, "526-000-12-46", "526-00-01-246", "PL5260001246", "526 000 12 46"])
def test_a_valid_nip_is_taken(written):
    assert kinds(f"Pracodawca NIP {written} poinformowany.") == [("NIP", written)]


def test_ten_digits_with_a_wrong_check_digit_are_not_a_nip():
    assert kinds("Nr karty 5260001247 w archiwum.") == []
