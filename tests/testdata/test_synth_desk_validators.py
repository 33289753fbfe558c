"""Generated people pass every check the registration desk applies: PESEL (and that it agrees
with birth date and sex), names, phone, e-mail, postal code (and that it belongs to the town),
identity documents; practitioners' licence numbers (NPWZ, nurses', midwives') and specialties."""
import csv
from importlib import resources

import pytest
from django.core.exceptions import ValidationError

from klinika.patients import validators as v
from klinika.patients.cleaning import clean_patient_data
from klinika.staff.validators import is_valid_npwz, validate_licence
from klinika.testdata.synth import generate_practitioners, reference
from tests.testdata.synth_support import REFERENCE_DATE, rows

PEOPLE = rows(4000, seed=11, batch_size=2000)
BY_ID = {row["id"]: row for row in PEOPLE}


def _town_ranges() -> dict[str, tuple[int, int]]:
    text = resources.files("klinika.testdata.synth").joinpath("data", "towns.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {r["town"]: (int(r["postal_first"].replace("-", "")), int(r["postal_last"].replace("-", "")))
            for r in csv.DictReader(lines)}


def test_the_sample_holds_every_kind_of_person():
    assert len(PEOPLE) == 4000
    assert any(r["document_number"] for r in PEOPLE), "no foreigner with a passport"
    assert any(r["guardian"] is not None for r in PEOPLE), "no minor"
    assert any("-" in r["last_name"] for r in PEOPLE), "no double-barrelled surname"
    assert {r["origin"] for r in PEOPLE} >= {"pl", "ua"}


def test_every_person_passes_the_field_validators():
    for row in PEOPLE:
        assert v.clean_first_name(row["first_name"]) == row["first_name"]
        assert v.clean_last_name(row["last_name"]) == row["last_name"]
        if row["pesel"]:
            assert v.clean_pesel(row["pesel"], today=REFERENCE_DATE) == row["pesel"]
        if row["pesel"] and not row["pesel_is_mothers"]:
            assert v.pesel_mismatches(row["pesel"], row["birth_date"], row["sex"]) == {}, row["id"]
        if row["phone"]:
            assert v.clean_phone(row["phone"]) == row["phone"]
        if row["email"]:
            assert v.clean_email(row["email"]) == row["email"]
            assert row["email"].isascii()
        if row["document_number"]:
            assert v.clean_document_number(row["document_type"], row["document_number"],
                                           row["document_country"]) == row["document_number"]
        assert v.clean_postal_code(row["address"]["postal_code"], "PL") == row["address"]["postal_code"]


def test_every_postal_code_belongs_to_its_town():
    ranges = _town_ranges()
    assert len(ranges) >= 300
    for row in PEOPLE:
        first, last = ranges[row["address"]["city"]]
        assert first <= int(row["address"]["postal_code"].replace("-", "")) <= last, row["address"]


def _desk_input(row: dict) -> dict:
    data = {key: row[key] for key in ("first_name", "last_name", "pesel", "pesel_is_mothers", "sex", "phone",
                                      "email", "document_type", "document_country", "document_number")}
    return data | {"birth_date": row["birth_date"].isoformat(), "address": row["address"]}


def test_the_desk_accepts_every_adult_whole():
    adults = [r for r in PEOPLE if r["guardian"] is None]
    for row in adults:
        cleaned = clean_patient_data(_desk_input(row), today=REFERENCE_DATE)
        assert (cleaned["birth_date"], cleaned["sex"]) == (row["birth_date"], row["sex"])


def test_the_desk_asks_a_minor_only_for_the_guardian_the_generator_names():
    minors = [r for r in PEOPLE if r["guardian"] is not None]
    assert len(minors) > 300
    for row in minors:
        with pytest.raises(ValidationError) as caught:
            clean_patient_data(_desk_input(row), today=REFERENCE_DATE)
        assert set(caught.value.message_dict) == {"guardian_identifier"}, (row["id"], caught.value.message_dict)
        assert BY_ID[row["guardian"]]["guardian"] is None


def test_practitioners_have_valid_licences_names_and_specialties():
    team = generate_practitioners(seed=5, doctors=150, nurses=60, midwives=20)
    codes = reference.specialty_code_list()
    assert len({p["licence_number"] for p in team}) == len(team)
    for person in team:
        assert validate_licence(person["profession"], person["licence_number"]) == person["licence_number"]
        assert v.clean_first_name(person["first_name"]) == person["first_name"]
        assert v.clean_last_name(person["last_name"]) == person["last_name"]
        assert v.clean_phone(person["phone"]) == person["phone"]
        assert v.clean_email(person["email"]) == person["email"]
        if person["profession"] == "doctor":
            assert is_valid_npwz(person["licence_number"]) and person["licence_number"][0] != "0"
            assert person["specialties"] and set(person["specialties"]) <= set(codes)
        else:
            assert person["specialties"] == []
    assert {p["licence_number"][-1] for p in team if p["profession"] == "nurse"} == {"P"}
    assert {p["licence_number"][-1] for p in team if p["profession"] == "midwife"} == {"A"}
    assert len({code for p in team for code in p["specialties"]}) >= 10


def test_every_specialty_weighted_is_on_the_national_list():
    assert set(reference.specialty_weights().values.tolist()) <= set(reference.specialty_code_list())
