"""Keyed pseudonyms: the same person gets the same pseudonym within a run and another in the
next run; distinct people get distinct ones; names match sex and are never a source name;
PESELs cover every century a PESEL can encode."""
import datetime

from stdnum.pl import pesel as stdnum_pesel

from klinika.staff.validators import is_valid_npwz
from klinika.testdata.anonymize import RunSecret
from klinika.testdata.anonymize.pseudonyms import Pseudonyms, npwz_for, pesel_for
from klinika.testdata.scrub import NameLists
from klinika.testdata.scrub.names import fold

SOURCE = [{"first_name": "Anna", "last_name": "Nowak"}, {"first_name": "Jan", "last_name": "Kowalski"}]


def _pseudonyms(key=None):
    return Pseudonyms(RunSecret(key), name_table=NameLists.from_people(SOURCE).table, pesels={"85010112345"})


def test_same_person_same_pseudonym_within_a_run_and_another_in_the_next():
    run = _pseudonyms(bytes(32))
    first = (run.name("patient:7", "F")[:2], run.record_id("patient", 7), run.offset_days("patient:7", None))
    again = _pseudonyms(bytes(32))
    assert (again.name("patient:7", "F")[:2], again.record_id("patient", 7),
            again.offset_days("patient:7", None)) == first
    assert run.record_id("patient", 7) == first[1]
    other_runs = {_pseudonyms().record_id("patient", 7) for _ in range(5)}
    assert first[1] not in other_runs and len(other_runs) == 5


def test_distinct_people_get_distinct_sex_matched_names_that_are_no_source_name():
    run = _pseudonyms()
    names = [run.name(f"patient:{n}", "F" if n % 2 else "M")[:2] for n in range(1000)]
    assert len(set(names)) == 1000
    source_words = {fold(w) for p in SOURCE for w in p.values()}
    assert not {fold(w) for pair in names for w in pair} & source_words
    female_surnames = [last for n, (_first, last) in enumerate(names) if n % 2]
    assert sum(last.endswith("ska") or last.endswith("cka") for last in female_surnames) > 100
    assert not [last for last in female_surnames if last.endswith("ski")]


def test_pesels_and_licences_are_valid_for_every_century():
    for birth in (datetime.date(1899, 12, 31), datetime.date(1950, 6, 1), datetime.date(2000, 2, 29),
                  datetime.date(2150, 1, 1), datetime.date(2299, 12, 31)):
        for male in (True, False):
            number = pesel_for(birth, male, 123, 4)
            assert stdnum_pesel.is_valid(number)
            assert stdnum_pesel.get_birth_date(number) == birth
            assert stdnum_pesel.get_gender(number) == ("M" if male else "F")
    run = _pseudonyms()
    pesels = {run.pesel(f"patient:{n}", datetime.date(1985, 1, 1), "M") for n in range(2000)}
    assert len(pesels) == 2000 and "85010112345" not in pesels
    assert all(is_valid_npwz(npwz_for(n)) for n in range(0, 10**7, 99_991))
