"""A street with its prefix and number, and a postal code with its town, go; a bare range stays."""
import pytest

from tests.testdata.scrub_support import clean, kinds


@pytest.mark.parametrize("text, expected", [
    ("Zam. ul. Lipowa 5/3, 00-950 Warszawa.", "Zam. [ADRES], [ADRES]."),
    ("Adres: al. Jana Pawła II 12 m. 4, 31-042 Kraków", "Adres: [ADRES], [ADRES]"),
    ("Mieszka przy ul. 3 Maja 7.", "Mieszka przy [ADRES]."),
    ("zamieszkała Długa 7a, tel. brak", "zamieszkała [ADRES], tel. brak"),
    ("os. Tysiąclecia 45/12, 40-871 Katowice", "[ADRES], [ADRES]"),
])
def test_an_address_is_taken(text, expected):
    assert clean(text) == expected


@pytest.mark.parametrize("text", [
    "Ibuprofen 400 mg przez 5-7 dni, zmiana opatrunku co 10-14 dni.",
    "Ciśnienie 125-135/80-85 mmHg w pomiarach domowych.",
    "Zalecono dietę, kontrola w poradni za 2 tygodnie.",
])
def test_ranges_and_plain_sentences_are_not_addresses(text):
    assert kinds(text) == []
