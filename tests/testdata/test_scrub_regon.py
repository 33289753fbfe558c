"""REGON: 14 digits by the check digit alone; 9 digits only when labelled (one phone number in
ten has a valid 9-digit REGON check digit)."""
from stdnum.pl import regon

from tests.testdata.scrub_support import kinds

NINE, FOURTEEN = "123456785", "12345678512347"


def test_the_examples_are_valid_regons():
    assert regon.is_valid(NINE) and regon.is_valid(FOURTEEN)


def test_a_labelled_nine_digit_regon_is_taken():
    assert kinds(f"Zakład pracy, REGON {NINE}.") == [("REGON", NINE)]


def test_a_fourteen_digit_regon_is_taken_without_a_label():
    assert kinds(f"Jednostka lokalna {FOURTEEN} zgłoszona.") == [("REGON", FOURTEEN)]


def test_a_labelled_regon_with_a_wrong_check_digit_is_not_a_regon():
    """(Nine digits not starting with 0 are still taken as a phone number: privacy first.)"""
    assert "REGON" not in [kind for kind, _ in kinds("REGON 123456786, do weryfikacji.")]


def test_fourteen_digits_with_a_wrong_check_digit_are_not_a_regon():
    assert kinds("Numer 12345678512348 w księdze.") == []
