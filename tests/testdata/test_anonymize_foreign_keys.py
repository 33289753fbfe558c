"""Every reference in an anonymized clinic resolves: guardians to patients, appointments and
notes to patients, appointments to practitioners; ids are unique and opaque; and a ward keeps
the guardian it had in the source (linked through the run's ids)."""
from tests.testdata.anonymize_support import FIXED_KEY, anonymized, anonymized_with_known_key, clinic, id_of


def test_references_resolve_and_ids_are_unique():
    records, report, _secret = anonymized()
    patients = {p["id"] for p in records["patients"]}
    staff = {s["id"] for s in records["staff"]}
    assert len(patients) == len(records["patients"]) == report["counts"]["patients"]
    guardians = [p["guardian"] for p in records["patients"] if p["guardian"] is not None]
    assert len(guardians) > 50
    assert set(guardians) <= patients
    assert {a["patient"] for a in records["appointments"]} <= patients
    assert {a["practitioner"] for a in records["appointments"]} <= staff
    assert {n["patient"] for n in records["notes"]} <= patients
    all_ids = [r["id"] for kind in records.values() for r in kind]
    assert len(all_ids) == len(set(all_ids))
    source_ids = {str(p["id"]) for p in clinic()["patients"]}
    assert not patients & source_ids


def test_a_ward_keeps_its_guardian_and_a_newborn_its_mothers_new_pesel():
    records = anonymized_with_known_key()
    out = {p["id"]: p for p in records["patients"]}
    linked = newborns = 0
    for person in clinic()["patients"]:
        ward = out.get(id_of(FIXED_KEY, "patient", person["id"]))
        if ward is None or person["guardian"] is None:
            continue
        guardian_id = id_of(FIXED_KEY, "patient", person["guardian"])
        if guardian_id in out:
            assert ward["guardian"] == guardian_id
            assert ward["guardian_relation"] == person["guardian_relation"]
            linked += 1
            if person["pesel_is_mothers"]:
                assert ward["pesel"] == out[guardian_id]["pesel"] != person["pesel"]
                newborns += 1
        else:
            assert ward["guardian"] is None
    assert linked > 50
