"""Quasi-identifiers (birth year, sex, location, rare diagnoses) are coarsened until every
group of released patients has at least k members, the rest suppressed, and the report says
what was done per field."""
from collections import Counter

from klinika.testdata.anonymize import anonymize
from klinika.testdata.anonymize.generalise import generalise_address, icd10_chapter
from tests.testdata.anonymize_support import REFERENCE_DATE, anonymized, clinic


def _groups(patients, rare=()):
    return Counter((p["birth_year"], p["sex"], p["address"]["postal_code"], p["address"]["city"],
                    p["address"]["voivodeship"], p["address"].get("macroregion"), p["document_country"],
                    tuple(sorted(c for c in p.get("diagnoses", ()) if c in rare or c.startswith("ICD-10"))))
                   for p in patients)


def test_every_released_group_has_at_least_k_patients():
    records, report, _secret = anonymized()
    k_report = report["k_anonymity"]
    assert min(_groups(records["patients"]).values()) >= 5
    assert k_report["k"] == 5 and k_report["k_achieved"] >= 5
    assert k_report["patients_in"] == 600
    assert k_report["patients_in"] - k_report["patients_suppressed"] == len(records["patients"])
    assert k_report["steps"] and all(step["field"] in k_report["fields"] for step in k_report["steps"])
    assert report["counts"]["notes_dropped"] + report["counts"]["notes"] == len(clinic()["notes"])


def test_rare_diagnoses_become_their_chapter_and_common_ones_stay():
    people = [dict(p, diagnoses=["I10"]) for p in clinic()["patients"][:300]]
    people[0]["diagnoses"] = ["I10", "Q87.1"]   # one patient: rare
    people[1]["diagnoses"] = ["I10", "Q90"]     # another rare code of the same chapter
    records, report = anonymize(people, [], [], [], k=2, rare_code_below=3, today=REFERENCE_DATE)
    codes = Counter(c for p in records["patients"] for c in p["diagnoses"])
    assert "Q87.1" not in codes and "Q90" not in codes
    assert codes["I10"] == len(records["patients"])
    assert report["k_anonymity"]["fields"]["diagnoses"] != "rare codes as such"
    assert min(_groups(records["patients"]).values()) >= 2


def test_icd10_chapters():
    assert icd10_chapter("I10") == "ICD-10 IX"
    assert icd10_chapter("h65.0") == "ICD-10 VIII"
    assert icd10_chapter("Z00.0") == "ICD-10 XXI"


def test_addresses_keep_town_and_postal_prefix_only():
    person = {"address": {"street": "ul. Lipowa", "building": "5", "apartment": "3", "postal_code": "31-870",
                          "city": "Kraków", "country": "PL"}}
    assert generalise_address(person) == {"postal_code": "31-xxx", "city": "Kraków", "country": "PL",
                                           "voivodeship": "małopolskie"}
    tiny = {"address": {"street": "ul. Długa", "building": "1", "postal_code": "42-560", "city": "Wojkowice"}}
    assert generalise_address(tiny)["city"] == "Będzin"  # the seat of powiat będziński
    records, _report, _secret = anonymized()
    for p in records["patients"]:
        assert set(p["address"]) <= {"postal_code", "city", "country", "voivodeship", "macroregion"}
