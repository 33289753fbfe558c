"""The clinic's names go in every inflected form, whatever the accents; common words stay."""
import pytest

from klinika.testdata.scrub import NameLists, Scrubber
from tests.testdata.scrub_support import clean

CLINIC = Scrubber(name_lists=NameLists(first_names=["Anna", "Marek", "Paweł", "Olga", "Maria", "Jerzy", "Róża", "Ida"],
                                       surnames=["Kowalski", "Kowalska", "Nowak", "Wróbel", "Stępień", "Zając",
                                                 "Sikora", "Wilk", "Rak", "Skala"]))


@pytest.mark.parametrize("form", ["Kowalski", "Kowalskiego", "Kowalskiemu", "Kowalskim", "Kowalscy",
                                  "Kowalska", "Kowalskiej", "Kowalską"])
def test_an_adjectival_surname_in_every_case(form):
    assert clean(f"Rozmowa z {form} w sprawie wyników.", CLINIC) == "Rozmowa z [NAZWISKO] w sprawie wyników."


@pytest.mark.parametrize("form", ["Anna", "Anny", "Annie", "Annę", "Anną", "Olgi", "Oldze", "Marii",
                                  "Marka", "Markiem", "Marku", "Pawła", "Pawłem", "Jerzego", "Jerzym"])
def test_first_names_in_every_case(form):
    assert clean(f"Przekazano {form} zalecenia.", CLINIC) == "Przekazano [IMIĘ] zalecenia."


@pytest.mark.parametrize("form", ["Nowaka", "Nowakiem", "Nowakowi", "Wróbla", "Wróblem", "Stępnia", "Zająca",
                                  "Sikory", "Sikorze"])
def test_noun_surnames_in_every_case_with_the_mobile_e(form):
    assert clean(f"Konsultacja u dr. {form} jutro.", CLINIC) == "Konsultacja u dr. [NAZWISKO] jutro."


@pytest.mark.parametrize("written", ["KOWALSKIEJ", "kowalskiej", "Kowalskiéj", "Kowalskiej"])
def test_case_and_accents_do_not_matter(written):
    assert clean(f"Wizyta {written} odwołana.", CLINIC) == "Wizyta [NAZWISKO] odwołana."


def test_a_double_name_is_one_placeholder():
    scrubber = Scrubber(name_lists=NameLists(first_names=["Anna Maria"], surnames=["Nowak-Kowalska"]))
    assert clean("Pacjentka Anna Maria Nowak-Kowalska.", scrubber) == "Pacjentka [IMIĘ] [NAZWISKO]."


@pytest.mark.parametrize("text", [
    "W maju pacjent idzie do sanatorium, w domu kot.",
    "Róża podudzia prawego, leczenie antybiotykiem.",   # erysipelas, not Róża
    "Rak płuca w wywiadzie rodzinnym. Skala bólu VAS 4/10.",
    "Podejrzenie tocznia (wilk), kontrola u reumatologa.",
    "Annexin i kowalencja: słowa, które tylko zaczynają się jak imię.",
])
def test_common_words_and_longer_words_stay(text):
    assert clean(text, CLINIC) == text


def test_a_common_word_next_to_a_name_or_after_a_title_is_the_name():
    assert clean("Róża Kowalska i dr Wilk.", CLINIC) == "[IMIĘ] [NAZWISKO] i dr [NAZWISKO]."
