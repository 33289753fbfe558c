"""Polish phone numbers in the ways people write them; other numbers stay."""
import pytest

from tests.testdata.scrub_support import clean, kinds


@pytest.mark.parametrize("written", [
    "601 234 567", "601-234-567", "601234567", "+48 601 234 567", "+48601234567", "0048 601 234 567",
    "(22) 123 45 67", "22 123-45-67", "+48 22 123 45 67", "(0-22) 123 45 67".replace("-", ""), "(+48) 601 234 567",
])
def test_a_phone_number_is_taken_whole(written):
    text = f"Tel. kontaktowy {written}, dzwonić po 16."
    assert kinds(text) == [("TELEFON", written)]
    assert clean(text) == "Tel. kontaktowy [TELEFON], dzwonić po 16."


@pytest.mark.parametrize("text", [
    "RR 120/80 mmHg, tętno 72/min.",
    "Nr zlecenia 48213377, wynik za 3 dni.",      # 8 digits
    "Numer 012 345 678 zaczyna się od zera.",    # no Polish number starts with 0
    "Dawka 500 mg 2 x dziennie przez 10 dni.",
    "Cholesterol 5,2 mmol/l, LDL 3,1 mmol/l.",
])
def test_clinical_numbers_are_not_phones(text):
    assert kinds(text) == []
