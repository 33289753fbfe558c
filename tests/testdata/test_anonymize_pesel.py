"""New PESELs are valid (python-stdnum), carry the shifted birth date and the same sex as
before, are unique, and none is a source PESEL; a newborn recorded under the mother's PESEL
carries the mother's new one."""
from stdnum.pl import pesel as stdnum_pesel

from tests.testdata.anonymize_support import FIXED_KEY, anonymized, anonymized_with_known_key, clinic, id_of


def test_new_pesels_are_valid_unique_and_match_shifted_birth_date_and_sex():
    records, _report, _secret = anonymized()
    source = {p["pesel"] for p in clinic()["patients"] if p["pesel"]}
    own = [p for p in records["patients"] if p["pesel"] and not p["pesel_is_mothers"]]
    assert len(own) > 400
    for person in own:
        assert stdnum_pesel.is_valid(person["pesel"])
        assert stdnum_pesel.get_birth_date(person["pesel"]) == person["birth_date"]
        assert stdnum_pesel.get_gender(person["pesel"]) == person["sex"]
    assert len({p["pesel"] for p in own}) == len(own)
    assert not {p["pesel"] for p in records["patients"]} & source


def test_sex_is_kept_and_birth_dates_move():
    records = anonymized_with_known_key()
    out = {p["id"]: p for p in records["patients"]}
    moved = 0
    for person in clinic()["patients"]:
        new = out.get(id_of(FIXED_KEY, "patient", person["id"]))
        if new is not None:
            assert new["sex"] == person["sex"]
            moved += new["birth_date"] != person["birth_date"]
    assert moved == len(out)
