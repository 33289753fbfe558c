"""`klinika anonymize --clinic`: a live clinic (generated people, written through the real
services, with their identifiers planted in visit records, reasons and allergies) read under
its context and anonymized into a signed dataset in which no source value is found by an
independent grep, every reference resolves, and every quasi-identifier group has k members."""
import re
from collections import Counter

import pytest

from klinika.tenancy.context import clinic_context
from klinika.testdata.export import ClinicExport, anonymize_clinic
from tests.testdata.live_clinic_support import build, factory_and_recipient, quasi_groups, read_dataset, records_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymized(tmp_path):
    clinic, planted = build()
    with clinic_context(clinic):
        export = ClinicExport(clinic)
        source = {"staff": export.staff(), "others": export.other_staff(), "patients": export.patients()}
    signer, recipient = factory_and_recipient()
    steps = Counter()
    report = anonymize_clinic(clinic, tmp_path / "anon.tar", recipient=recipient.public_key().public_bytes_raw(),
                              signer=signer, progress=lambda step, done, total: steps.update([step]))
    content = read_dataset(tmp_path / "anon.tar", signer, recipient)
    return source, planted, report, content, steps


def _needles(person: dict) -> set[str]:
    values = {person.get("pesel"), person.get("email"), person.get("document_number"),
              person.get("licence_number"), f"{person['first_name']} {person['last_name']}",
              f"{person['last_name']} {person['first_name']}", (person.get("address") or {}).get("street")}
    phone = person.get("phone") or ""
    if phone:
        values |= {phone, re.sub(r"\D", "", phone)[-9:]}
    return {v.lower() for v in values if v and len(v) >= 5}


def test_no_source_value_is_anywhere_in_the_dataset(anonymized):
    source, planted, report, content, _steps = anonymized
    everything = "\n".join(content.values()).lower()
    people = source["patients"] + source["staff"] + source["others"]
    needles = set().union(*(_needles(p) for p in people))
    assert len(needles) > 4 * len(source["patients"])
    assert [n for n in needles if n in everything] == []
    # the planted texts reached the dataset, scrubbed, not dropped
    records = records_of(content)
    assert len(planted["amended"]) == 4
    assert sum("[PESEL]" in e["content"]["interview"] for e in records["encounters"]) >= 1
    assert sum("[" in a["reaction"] for a in records["allergies"]) >= 1  # the planted ones, scrubbed
    assert report["scanner"] == {"survivors": 0, "production_blind_indexes": {"clinics": ["jawna"], "survivors": 0}}
    assert report["counts"]["free_text_findings"] >= 4 * 3


def test_every_reference_resolves_inside_the_dataset(anonymized):
    _source, planted, report, content, _steps = anonymized
    r = records_of(content)
    ids = {name: {x["id"] for x in items} for name, items in r.items()}
    for name, items in r.items():
        assert len(ids[name]) == len(items) == report["counts"][name], name
    assert len(r["patients"]) > 100 and len(r["appointments"]) > 300 and len(r["encounters"]) > 50
    assert len(r["visit_types"]) == 2 and len(r["weekly_hours"]) > 5
    assert 1 <= len(r["allergies"]) <= planted["allergies_total"]
    assert 1 <= len(r["vitals"]) <= planted["vitals_total"]
    assert {p["guardian"] for p in r["patients"]} - {None} <= ids["patients"]
    for a in r["appointments"]:
        assert a["patient"] in ids["patients"] and a["practitioner"] in ids["staff"]
        assert a["visit_type"] in ids["visit_types"]
    appointments = {a["id"]: a for a in r["appointments"]}
    for e in r["encounters"]:
        assert e["patient"] in ids["patients"] and e["practitioner"] in ids["staff"]
        assert appointments[e["appointment"]]["patient"] == e["patient"]
        assert appointments[e["appointment"]]["status"] == "completed"
        assert e["content"]["diagnoses"] and all(re.fullmatch(r"[A-Z]\d\d(\.\d+)?", d["code"])
                                                 for d in e["content"]["diagnoses"])
    for h in r["weekly_hours"]:
        assert h["practitioner"] in ids["staff"] and set(h["visit_type_ids"]) <= ids["visit_types"]
    for item in r["allergies"] + r["vitals"]:
        assert item["patient"] in ids["patients"]
    assert {v["encounter"] for v in r["vitals"]} <= ids["encounters"]
    assert sum(v["values"] == {"bp_systolic": 128, "bp_diastolic": 82, "pulse": 71} for v in r["vitals"]) >= 1


def test_every_quasi_identifier_group_has_k_members(anonymized):
    source, _planted, report, content, steps = anonymized
    codes = Counter(c for p in source["patients"] for c in set(p["diagnoses"]))
    rare = {c for c, n in codes.items() if n < 5}
    patients = records_of(content)["patients"]
    assert min(quasi_groups(patients, rare).values()) >= 5
    k = report["k_anonymity"]
    assert k["k_achieved"] >= 5 and k["patients_in"] == len(source["patients"])
    assert k["patients_in"] - k["patients_suppressed"] == len(patients)
    assert all("street" not in p["address"] and "building" not in p["address"] for p in patients)
    assert sum(bool(p["diagnoses"]) for p in source["patients"]) > 50  # diagnoses were exported for k-anonymity
    assert {"patients", "appointments", "visit records", "allergies", "vitals"} <= set(steps)
    # A rare code left in a visit record would undo its coarsening on the patient record.
    released = {c for e in records_of(content)["encounters"] for c in (d["code"] for d in e["content"]["diagnoses"])}
    if k["fields"]["diagnoses"] == "rare codes as such":
        assert report["counts"]["rare_codes_replaced"] == 0
    else:
        assert released.isdisjoint(rare), released & rare  # replaced by a stand-in, or gone with its patient


def test_nothing_is_written_or_signed_while_an_identifier_survives(tmp_path, monkeypatch):
    """With free-text scrubbing switched off, the planted identifiers reach the records: the
    scanner names them (masked), and no dataset, not even a half-written one, is left."""
    from klinika.testdata.anonymize import IdentifiersSurvived
    from klinika.testdata.anonymize.pipeline import Anonymizer

    clinic, _planted = build()
    monkeypatch.setattr(Anonymizer, "_scrub", lambda self, text, person, days: text)
    signer, recipient = factory_and_recipient()
    with pytest.raises(IdentifiersSurvived) as refused:
        anonymize_clinic(clinic, tmp_path / "anon.tar", recipient=recipient.public_key().public_bytes_raw(),
                         signer=signer)
    kinds = {(s.kind, s.record_type, s.field) for s in refused.value.survivors}
    assert {("PESEL", "encounters", "content.interview"), ("EMAIL", "allergies", "reaction"),
            ("NAME", "allergies", "reaction")} <= kinds
    assert "No dataset was produced" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_the_production_scan_refuses_on_its_own(tmp_path, monkeypatch):
    """With scrubbing and the anonymizer's own scanner both switched off, the check against
    production's blind indexes still finds the planted numbers and e-mails, and nothing is
    written."""
    from klinika.testdata.anonymize import IdentifiersSurvived
    from klinika.testdata.anonymize.pipeline import Anonymizer

    clinic, _planted = build()
    monkeypatch.setattr(Anonymizer, "_scrub", lambda self, text, person, days: text)
    monkeypatch.setattr(Anonymizer, "_check", lambda self, record_type, record: record)
    signer, recipient = factory_and_recipient()
    with pytest.raises(IdentifiersSurvived) as refused:
        anonymize_clinic(clinic, tmp_path / "anon.tar", recipient=recipient.public_key().public_bytes_raw(),
                         signer=signer)
    kinds = {(s.kind, s.record_type) for s in refused.value.survivors}
    assert {("PESEL", "encounters"), ("EMAIL", "allergies"), ("PHONE", "encounters")} <= kinds, kinds
    assert list(tmp_path.iterdir()) == []
