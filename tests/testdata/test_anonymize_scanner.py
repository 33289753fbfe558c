"""The scanner reports every source identifier planted in anonymized records (kind, record,
field, never the value), finds nothing in a clean output, and anonymize() refuses to produce
records while anything survives."""
import copy

import pytest

from klinika.testdata.anonymize import IdentifiersSurvived, SourceIdentifiers, anonymize, scan
from tests.support.scrub_corpus import decline_name
from tests.testdata.anonymize_support import REFERENCE_DATE, anonymized, clinic


@pytest.fixture(scope="module")
def source():
    return SourceIdentifiers.from_records(clinic()["patients"], clinic()["staff"])


def test_a_clean_output_has_no_survivors(source):
    records, _report, _secret = anonymized()
    assert scan(records, source) == []


def test_every_planted_identifier_is_reported_without_its_value(source):
    records = copy.deepcopy(anonymized()[0])
    people = clinic()["patients"]
    adult = next(p for p in people if p["phone"] and p["email"] and p["sex"] == "F")
    traveller = next(p for p in people if p["document_number"])
    pesel, phone = adult["pesel"], adult["phone"].replace("+48 ", "").replace(" ", "-")
    street = f"{adult['address']['street']} {adult['address']['building']}"
    records["notes"][0]["text"] += f" PESEL {pesel[:6]} {pesel[6:]}, tel. {phone}."
    records["notes"][1]["text"] += f" Rozmowa z {decline_name(adult['last_name'], 'ins', 'F', surname=True)}."
    records["notes"][2]["text"] += f" Mieszka {street}."
    records["appointments"][0]["reason"] = f"Wynik na {adult['email'].upper()}"
    records["patients"][0]["last_name"] = adult["last_name"]
    records["patients"][1]["document_number"] = traveller["document_number"]
    records["staff"][0]["phone"] = clinic()["staff"][1]["phone"]
    survivors = scan(records, source)
    found = {(s.kind, s.record_type, s.record_id, s.field) for s in survivors}
    assert found >= {
        ("PESEL", "notes", records["notes"][0]["id"], "text"),
        ("PHONE", "notes", records["notes"][0]["id"], "text"),
        ("NAME", "notes", records["notes"][1]["id"], "text"),
        ("ADDRESS", "notes", records["notes"][2]["id"], "text"),
        ("EMAIL", "appointments", records["appointments"][0]["id"], "reason"),
        ("NAME", "patients", records["patients"][0]["id"], "last_name"),
        ("DOCUMENT", "patients", records["patients"][1]["id"], "document_number"),
        ("PHONE", "staff", records["staff"][0]["id"], "phone"),
    }
    report = " ".join(str(s) for s in survivors)
    for value in (pesel, adult["email"], adult["last_name"], traveller["document_number"]):
        assert value.lower() not in report.lower()


def test_anonymize_refuses_while_an_identifier_survives():
    source = clinic()
    staff = [dict(source["staff"][0], specialties=[source["patients"][3]["email"]])]  # copied verbatim
    with pytest.raises(IdentifiersSurvived) as refused:
        anonymize(source["patients"][:40], [], [], staff, today=REFERENCE_DATE)
    assert [(s.kind, s.record_type, s.field) for s in refused.value.survivors] == [("EMAIL", "staff", "specialties[0]")]
    assert source["patients"][3]["email"] not in str(refused.value)


def test_short_foreign_surnames_and_glued_emails_are_found():
    """The scrubber's inflection table has no base form for "Ngo" and nothing for "Le": the
    scanner adds the bare names, so such a surname in a note is still found (and removed)."""
    people = [{"id": 1, "first_name": "Thi", "last_name": "Ngo", "email": "thi.ngo@wp.pl"},
              {"id": 2, "first_name": "Van", "last_name": "Le"}]
    source = SourceIdentifiers.from_records(people)
    notes = [{"id": "n1", "text": "Rozmowa z Pani Ngo."}, {"id": "n2", "text": "Dr Le zalecił kontrolę."},
             {"id": "n3", "text": "Kontakt:thi.ngo@wp.pl."}]
    found = {(s.record_id, s.kind) for s in scan({"notes": notes}, source)}
    assert {("n1", "NAME"), ("n2", "NAME"), ("n3", "EMAIL")} <= found
