"""No source identifier anywhere in an anonymized generated clinic: every PESEL, first name,
surname, phone, e-mail, document number, licence number and street address of the source,
looked for in the serialized output by a plain search written independently of the scanner."""
import re

from klinika.testdata.scrub.names import fold
from tests.testdata.anonymize_support import anonymized, clinic, serialized


def _output():
    records, _report, _secret = anonymized()
    text = serialized(records)
    return text, fold(text)


def _digits_pattern(value: str) -> re.Pattern:
    """The digits of `value` with any separators (space, dash, brackets, dot) between them."""
    return re.compile(r"(?<!\d)" + r"[\s\-().]{0,3}".join(re.sub(r"\D", "", value)) + r"(?!\d)")


def test_no_source_pesel_phone_document_or_licence_in_the_output():
    text, _folded = _output()
    source = clinic()
    people = source["patients"] + source["staff"]
    pesels = {p["pesel"] for p in source["patients"] if p["pesel"]}
    phones = {re.sub(r"\D", "", p["phone"])[-9:] for p in people if p.get("phone")}
    documents = {p["document_number"] for p in source["patients"] if p["document_number"]}
    licences = {s.get("npwz") or s.get("licence_number") for s in source["staff"]}
    assert len(pesels) > 500 and len(phones) > 400 and documents and licences
    digits_only = [s for s in re.findall(r"[\d\s\-().]{9,}", text)]
    for value in pesels | phones | licences:
        pattern = _digits_pattern(value)
        assert not any(pattern.search(s) for s in digits_only), "a source number survived"
    for value in documents:
        assert value.lower() not in text.lower(), "a source document number survived"


def test_no_source_email_or_street_address_in_the_output():
    text, folded = _output()
    source = clinic()
    emails = {p["email"].lower() for p in source["patients"] + source["staff"] if p.get("email")}
    assert len(emails) > 200
    assert not [e for e in emails if e in text.lower()]
    buildings: dict[str, set[str]] = {}
    for person in source["patients"]:
        address = person["address"]
        buildings.setdefault(fold(address["street"].removeprefix("ul. ")), set()).add(fold(address["building"]))
    assert sum(map(len, buildings.values())) > 400
    for street, numbers in buildings.items():
        written = set(re.findall(rf"\b{re.escape(street)}\W{{1,3}}(\d+[a-z]?)\b", folded))
        assert not written & numbers, "a source street address survived"


def test_no_source_name_in_the_output():
    """Whole words, case and accents folded: every source first name and surname (and each
    part of a double-barrelled one) of patients and staff."""
    _text, folded = _output()
    source = clinic()
    words = set(re.findall(r"\w+", folded))
    names = set()
    for person in source["patients"] + source["staff"]:
        names.update(re.findall(r"\w+", fold(person["first_name"])))
        names.update(re.findall(r"\w+", fold(person["last_name"])))
    assert len(names) > 250
    assert not sorted(names & words), "source names survived"
