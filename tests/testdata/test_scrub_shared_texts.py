"""The clinic's scrubber remembers what its name lists and patterns find in a short text, for every
person's scrubber made from it (`with_own`): the same text scrubbed for one person and then for
another still loses each one's own identifiers, and nobody else's findings change."""
from klinika.testdata.scrub import NameLists, Scrubber

NOWAK = {"first_name": "Ewa", "last_name": "Nowak", "pesel": "44051401459", "phone": "+48 601 234 567",
         "email": "ewa.n@example.com", "address": {"street": "Długa", "building": "7"}}
KOS = {"first_name": "Jan", "last_name": "Kos", "pesel": "", "phone": "", "email": ""}
# Lower-case short names and a PESEL with a wrong check digit: only the person's own identifiers
# take them (the clinic's lists take a lower-case name of 6 letters or more, the patterns a valid PESEL).
TEXTS = ["dzwoniła nowak w sprawie wyniku", "nr 44051401459 do sprawdzenia", "pisać: ewa.n@example.com",
         "dom przy Długiej 7", "kontrola", "Rozmowa z panią Kowalczyk."]


def test_the_same_text_for_two_people_loses_each_ones_own_identifiers():
    clinic = Scrubber(name_lists=NameLists.from_people([NOWAK, KOS, {"first_name": "Ola", "last_name": "Kowalczyk"}]))
    kos, nowak = clinic.with_own(KOS), clinic.with_own(NOWAK)
    first_for_kos = [kos.scrub(text)[0] for text in TEXTS]
    for_nowak = [nowak.scrub(text)[0] for text in TEXTS]
    again_for_kos = [kos.scrub(text)[0] for text in TEXTS]
    fresh_nowak = [Scrubber(NOWAK, NameLists.from_people([NOWAK, KOS])).scrub(text)[0] for text in TEXTS]
    assert first_for_kos == again_for_kos == [
        "dzwoniła nowak w sprawie wyniku", "nr 44051401459 do sprawdzenia", "pisać: [EMAIL]",
        "dom przy Długiej 7", "kontrola", "Rozmowa z panią [NAZWISKO]."]
    assert for_nowak[:4] == ["dzwoniła [NAZWISKO] w sprawie wyniku", "nr [PESEL] do sprawdzenia", "pisać: [EMAIL]",
                             "dom przy [ADRES]"]
    assert for_nowak[:5] == fresh_nowak[:5]
    assert [clinic.scrub(text)[0] for text in TEXTS] == first_for_kos
