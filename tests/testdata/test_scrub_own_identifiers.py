"""A patient's own identifiers go wherever and however they are written."""
from klinika.testdata.scrub import OwnIdentifiers, Scrubber
from klinika.testdata.synthetic import SyntheticPeople
from tests.testdata.scrub_support import clean

PERSON = SyntheticPeople(seed=11).with_id_card(SyntheticPeople(seed=11).patient()) | {
    "first_name": "Ida", "last_name": "Kowalska", "phone": "+48 601 234 567", "email": "ida.k@example.com",
    "pesel": "44051401458", "address": {"street": "Długa", "building": "7"}}
OWN = Scrubber(PERSON)


def test_names_in_any_case_and_form():
    assert clean("ida kowalska, Idzie, IDY KOWALSKIEJ", OWN) == "[IMIĘ] [NAZWISKO], [IMIĘ], [IMIĘ] [NAZWISKO]"


def test_a_common_word_in_lower_case_stays_even_for_the_patient():
    assert clean("Pacjentka idzie do domu.", OWN) == "Pacjentka idzie do domu."


def test_a_mistyped_pesel_and_odd_spacing_of_the_own_pesel():
    assert clean("pesel 4405-1401-458; nr44051401458x", OWN) == "pesel [PESEL]; nr[PESEL]x"


def test_the_own_phone_in_any_format():
    assert clean("dzwonić: 601.234.567 lub 0048601234567 lub (+48)601 23 45 67", OWN) == (
        "dzwonić: [TELEFON] lub [TELEFON] lub [TELEFON]")


def test_the_own_email_in_any_case():
    assert clean("adres IDA.K@EXAMPLE.COM", OWN) == "adres [EMAIL]"


def test_the_own_document_number_with_a_space():
    number = PERSON["document_number"]
    assert clean(f"dowód {number[:3]} {number[3:]}", OWN) == "dowód [DOKUMENT]"


def test_the_own_street_capitalised_and_the_adjective_not():
    assert clean("mieszka na Długiej 7, długa przerwa", OWN) == "mieszka na [ADRES], długa przerwa"


def test_a_scrubber_for_another_person_shares_the_lists_and_forgets_the_first():
    other = OWN.with_own(OwnIdentifiers(first_names=("Olga",)))
    assert clean("Olga i Ida", other) == "[IMIĘ] i Ida"
