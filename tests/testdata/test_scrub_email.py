"""E-mail addresses go whole; an @ without an address stays."""
from tests.testdata.scrub_support import clean, kinds


def test_email_addresses_are_taken():
    text = "Wyniki na anna.kowalska+wyniki@poczta.example.pl oraz j_nowak@example.com."
    assert kinds(text) == [("EMAIL", "anna.kowalska+wyniki@poczta.example.pl"), ("EMAIL", "j_nowak@example.com")]
    assert clean(text) == "Wyniki na [EMAIL] oraz [EMAIL]."


def test_an_at_sign_without_an_address_stays():
    text = "Dawkowanie 2 @ dobę (skrót lekarza), kontrola @ 3 mies."
    assert kinds(text) == []
