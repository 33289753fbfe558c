"""The production scan: identifiers of real people found in a dataset, by production's own data.

The anonymizer's scanner (scanner.py) compares its output with the source records it was given.
This one needs no source: it runs inside production and checks every string of every record
against what production holds, so it also catches a value the export never handed over (a
PESEL of another clinic's patient typed into a note, a former PESEL, a staff e-mail).

Candidates, in every string (structured fields and free text alike):

- PESEL: 11 digits (separators allowed) with a valid check digit and date;
- phone: a run of 9 digits (or 10 with a leading 0, +48/0048 in front), the scrubber's phone
  pattern, and a whole run of 10-15 digits (foreign numbers are stored with their country code);
- e-mail: the address as written;
- document: identity-card and passport numbers with a valid check digit, and any word of 6-20
  letters and digits holding at least 5 digits (foreign documents have no check digit);
- licence: a 7-digit NPWZ with a valid check digit, a nurse's or midwife's 7 digits + P/A;
- structured fields (pesel, phone, email, document_number, licence_number, npwz) whole, whatever
  their shape.

Each candidate is normalised by its blind index's own normaliser and HMAC'd under each scanned
clinic's index keys (both during a rotation) exactly as BlindIndexField stores it, then looked up
in batches (`IN` over a chunk of records, one query per index and slice): Patient's pesel,
phone, e-mail and document indexes, PatientIdentifier's value index (former PESELs and
documents), Practitioner's licence index and StaffMember's e-mail index. No value is decrypted.

Names: no blind index can say whether a *pseudonym* is a real person, and pseudonyms are drawn
from real Polish name lists, so a pseudonym surname (or first name) alone equal to some
production person's is expected and says nothing. The rule: a **first name and a surname
together** (a record's first_name + last_name, or two neighbouring words in text, one of them
capitalised, in any inflected form, a middle name allowed between) that are the first and last
name of one patient or staff member of the dataset's **source clinic** (`name_clinics`). The
anonymizer never gives a pseudonym a surname of its source clinic, so against the source every
such pair is a real survivor, common names included. Against other clinics pseudonyms meet
real people by chance (measured: 2 of 10 generated full names match someone in a generated
clinic of 5,000), so when the source is not known (`name_k`) only pairs that fewer than NAME_K
people share are reported: a name five people bear identifies none of them on its own. The names
are production's name lists, decrypted once per scan (one audit event per clinic says so).

Nothing is printed here; Survivor carries a masked hint (the first two characters) only.
"""
from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from klinika.accounts.models import StaffMember
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.crypto.fields import blind_index_for
from klinika.patients.models import Patient, PatientIdentifier
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic
from klinika.testdata.anonymize.scanner import Survivor, mask
from klinika.testdata.datasets.container import DatasetRefused
from klinika.testdata.datasets.services import open_for_scan
from klinika.testdata.scrub import checks, patterns
from klinika.testdata.scrub.names import fold, forms

__all__ = ["KINDS", "NAME_K", "ProductionScanner", "ScanResult", "production_survivors", "scan_dataset"]

KINDS = ("PESEL", "PHONE", "EMAIL", "DOCUMENT", "LICENCE", "NAME")
NAME_K = 5
CHUNK = 2000  # records whose candidates are looked up together
SLICE = 500  # tokens per IN query (SQLite's default limit on parameters is far above)

# (model, source field) of every blind index a candidate of a kind is looked up in.
INDEXES = {
    "PESEL": ((Patient, "pesel"), (PatientIdentifier, "value")),
    "PHONE": ((Patient, "phone"),),
    "EMAIL": ((Patient, "email"), (StaffMember, "email")),
    "DOCUMENT": ((Patient, "document_number"), (PatientIdentifier, "value")),
    "LICENCE": ((Practitioner, "licence_number"),),
}
# Structured fields taken whole as a candidate of their kind, whatever their shape.
STRUCTURED = {"pesel": "PESEL", "phone": "PHONE", "email": "EMAIL", "document_number": "DOCUMENT",
              "licence_number": "LICENCE", "npwz": "LICENCE"}

_DIGIT_RUN = re.compile(r"\d(?:[ \-()./]{0,2}\d)*")
_NON_DIGIT = re.compile(r"\D")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DOCUMENT_SPACED = re.compile(r"(?<![\w])[A-Za-z]{2,3}[ -]\d{6,7}(?!\w)")
_WORD = re.compile(r"\w+")
_NAME_GAP = re.compile(r"[\s,-]{1,3}")


# --------------------------------------------------------------------------- candidates

def _phone_digits(digits: str) -> Iterator[str]:
    if digits.startswith("0048") and len(digits) == 13:
        digits = digits[4:]
    elif digits.startswith("48") and len(digits) == 11:
        digits = digits[2:]  # the phone index drops +48 the same way
    elif digits.startswith("0") and len(digits) == 10:
        digits = digits[1:]
    if len(digits) == 9 and digits[0] != "0":
        yield digits
    elif 10 <= len(digits) <= 15:
        yield digits


_ANY_DIGIT = re.compile(r"\d")
_NOTHING: frozenset = frozenset()
_SHORT = 48
_short_cache: dict[str, frozenset] = {}


def candidates(text: str) -> frozenset[tuple[str, str]]:
    """(kind, value as written or compacted) of every identifier-shaped thing in a string.

    Every kind needs a digit or an "@", so a text with neither has none; short texts repeat
    (statuses, codes, reasons), so their answers are kept (bounded)."""
    if "@" not in text and _ANY_DIGIT.search(text) is None:
        return _NOTHING
    if len(text) > _SHORT:
        return frozenset(_candidates(text))
    found = _short_cache.get(text)
    if found is None:
        if len(_short_cache) > 200_000:
            _short_cache.clear()
        found = _short_cache[text] = frozenset(_candidates(text))
    return found


def _candidates(text: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for m in _DIGIT_RUN.finditer(text):
        digits = _NON_DIGIT.sub("", m.group())
        if len(digits) < 7:
            continue
        if len(digits) == 11 and checks.is_pesel(digits):
            found.add(("PESEL", digits))
        if len(digits) == 7 and checks.is_npwz(digits):
            found.add(("LICENCE", digits))
        end = m.end()
        if len(digits) == 7 and end < len(text) and text[end] in "PApa":
            found.add(("LICENCE", digits + text[end].upper()))
        found.update(("PHONE", d) for d in _phone_digits(digits))
    if len(text) >= 9:
        for kind, start, end in patterns.pesel(text):
            found.add((kind, _NON_DIGIT.sub("", text[start:end])))
        for _kind, start, end in patterns.phone(text):
            found.update(("PHONE", d) for d in _phone_digits(_NON_DIGIT.sub("", text[start:end])))
    if "@" in text:
        for m in _EMAIL.finditer(text):
            found.add(("EMAIL", m.group().rstrip(".")))
    for m in _WORD.finditer(text):
        word = m.group()
        if 6 <= len(word) <= 20 and word.isascii() and sum(c.isdigit() for c in word) >= 5 and not word.isdigit():
            found.add(("DOCUMENT", word.upper()))
    for m in _DOCUMENT_SPACED.finditer(text):
        compact = re.sub(r"[ -]", "", m.group()).upper()
        if checks.is_id_card(compact) or checks.is_passport(compact):
            found.add(("DOCUMENT", compact))
    return found


def _strings(value, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key != "id":
                yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 1_000_000:
        yield path, str(value)  # a PESEL or phone number written as a JSON number


# --------------------------------------------------------------------------- names

@dataclass
class NameIndex:
    """Production's first and last names, folded, with every inflected form pointing back to
    the base word; `pairs` counts the people bearing each (first word, last word) pair."""

    first: dict[str, set[str]] = field(default_factory=dict)
    last: dict[str, set[str]] = field(default_factory=dict)
    pairs: Counter = field(default_factory=Counter)

    def add(self, first_name, last_name) -> None:
        if not (isinstance(first_name, str) and isinstance(last_name, str)):
            return  # crypto-erased: nobody to find any more
        firsts = _WORD.findall(fold(first_name))
        lasts = _WORD.findall(fold(last_name))
        for table, words in ((self.first, firsts), (self.last, lasts)):
            for word in words:
                for form in forms(word) | {word}:
                    table.setdefault(form, set()).add(word)
        self.pairs.update({(f, ln) for f in firsts for ln in lasts})

    def shared_by(self, first_form: str, last_form: str) -> int:
        """How many production people bear this first and last name (0: nobody)."""
        return max((self.pairs.get((f, ln), 0) for f in self.first.get(first_form, ())
                    for ln in self.last.get(last_form, ())), default=0)

    def __bool__(self) -> bool:
        return bool(self.pairs)


def _counts(shared: int, name_k: int | None) -> bool:
    return shared > 0 and (name_k is None or shared < name_k)


def _name_hits(index: NameIndex, text: str, name_k: int | None) -> Iterator[str]:
    """Spans of text (as written) where a production full name stands, in either order."""
    folded = fold(text)
    words = list(_WORD.finditer(folded))
    first, last = index.first, index.last
    for i, a in enumerate(words):
        wa = a.group()
        a_first, a_last = wa in first, wa in last
        if not (a_first or a_last):
            continue
        for j in (i + 1, i + 2):
            if j >= len(words) or (j == i + 2 and not text[words[i + 1].start()].isupper()):
                break  # a middle name is capitalised
            b = words[j]
            wb = b.group()
            if not ((a_first and wb in last) or (a_last and wb in first)):
                continue
            if not all(_NAME_GAP.fullmatch(folded, words[k].end(), words[k + 1].start()) for k in range(i, j)):
                break
            if not (text[a.start()].isupper() or text[b.start()].isupper()):
                continue
            if _counts(max(index.shared_by(wa, wb), index.shared_by(wb, wa)), name_k):
                yield text[a.start():b.end()]


def _record_name_hit(index: NameIndex, record: Mapping, name_k: int | None) -> str | None:
    first, last = record.get("first_name"), record.get("last_name")
    if not (isinstance(first, str) and isinstance(last, str)):
        return None
    for f in _WORD.findall(fold(first)):
        for ln in _WORD.findall(fold(last)):
            if _counts(index.shared_by(f, ln), name_k):
                return f"{first} {last}"
    return None


# --------------------------------------------------------------------------- production's side

def _scanned_clinics(clinics) -> list[Clinic]:
    if clinics is None:
        return list(Clinic.objects.filter(status=Clinic.Status.ACTIVE).order_by("slug"))
    found = []
    for ref in clinics:
        if not isinstance(ref, Clinic):
            clinic = Clinic.objects.filter(slug=ref).first()
            if clinic is None:
                raise LookupError(f"No clinic with the slug {ref!r} (`klinika clinic list` shows them).")
            ref = clinic
        found.append(ref)
    return found


def _name_index(clinics: list[Clinic]) -> NameIndex:
    index = NameIndex()
    for clinic in clinics:
        with clinic_context(clinic):
            for patient in Patient.objects.only("first_name", "last_name").iterator(chunk_size=2000):
                index.add(patient.first_name, patient.last_name)
            for member in StaffMember.objects.only("first_name", "last_name").iterator(chunk_size=2000):
                index.add(member.first_name, member.last_name)
            record(Action.READ, object_type="name-lists", clinic_id=clinic.pk,
                   reason="test dataset scan: patient and staff names compared with a dataset")
    return index


class ProductionScanner:
    """Blind-index lookups for batches of candidates, per clinic, and the name index."""

    def __init__(self, clinics=None, *, name_clinics=None, name_k: int | None = None):
        self.clinics = _scanned_clinics(clinics)
        self.name_k = name_k
        by_name = self.clinics if name_clinics is None else _scanned_clinics(name_clinics)
        self.name_clinic_slugs = [c.slug for c in by_name]
        self.names = _name_index(by_name)
        self.lookups = [(kind, blind_index_for(model, source), model) for kind, pairs in INDEXES.items()
                        for model, source in pairs]

    def hits(self, found: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (kind, value) of `found` that some scanned clinic's blind index holds."""
        hit: set[tuple[str, str]] = set()
        for clinic in self.clinics:
            with clinic_context(clinic):
                for kind, index, model in self.lookups:
                    tokens: dict[bytes, tuple[str, str]] = {}
                    for candidate in found:
                        if candidate[0] == kind and candidate not in hit:
                            for token in index.tokens(clinic.pk, candidate[1]):
                                tokens[bytes(token)] = candidate
                    keys = list(tokens)
                    for start in range(0, len(keys), SLICE):
                        present = model.objects.filter(**{f"{index.attname}__in": keys[start:start + SLICE]})
                        for token in present.values_list(index.attname, flat=True):
                            hit.add(tokens[bytes(token)])
        return hit

    def scan(self, records_by_file: Mapping[str, Iterable[dict]]) -> list[Survivor]:
        survivors: list[Survivor] = []
        for name, records in records_by_file.items():
            record_type = name.rsplit(".", 1)[0]
            iterator = iter(records)
            while chunk := list(itertools.islice(iterator, CHUNK)):
                survivors.extend(self._chunk(record_type, chunk))
        return survivors

    def survivors_in(self, record_type: str, chunk: list[dict]) -> list[Survivor]:
        """The survivors in one chunk of records of one file (the anonymizer scans as it writes)."""
        return self._chunk(record_type, chunk)

    def _chunk(self, record_type: str, chunk: list[dict]) -> list[Survivor]:
        occurrences: list[tuple[str, str, str, str]] = []  # kind, value, record id, field
        survivors: list[Survivor] = []
        for item in chunk:
            item = item if isinstance(item, Mapping) else {"value": item}
            record_id = str(item.get("id", "?"))
            for path, text in _strings(item):
                for kind, value in candidates(text):
                    occurrences.append((kind, value, record_id, path))
                if path in STRUCTURED and text.strip():
                    occurrences.append((STRUCTURED[path], text.strip(), record_id, path))
                if self.names:
                    survivors.extend(Survivor("NAME", record_type, record_id, path, mask(span))
                                     for span in _name_hits(self.names, text, self.name_k))
            if self.names and (full := _record_name_hit(self.names, item, self.name_k)):
                survivors.append(Survivor("NAME", record_type, record_id, "first_name+last_name", mask(full)))
        hit = self.hits({(kind, value) for kind, value, _r, _p in occurrences})
        seen = set()
        for kind, value, record_id, path in occurrences:
            if (kind, value) in hit and (kind, value, record_id, path) not in seen:
                seen.add((kind, value, record_id, path))
                survivors.append(Survivor(kind, record_type, record_id, path, mask(value)))
        return survivors


def production_survivors(records_by_file: Mapping[str, Iterable[dict]], *, clinics=None, name_clinics=None,
                         name_k: int | None = None) -> list[Survivor]:
    """Every identifier of a real person left in the records ({file name: records}): numbers and
    e-mails in the blind indexes of `clinics` (Clinic objects or slugs; default every active
    clinic), full names of the people of `name_clinics` (default: `clinics`; give the dataset's
    source clinic). `name_k`: report only names fewer than this many people share (for names
    compared with clinics other than the source). Needs production's keys. The rule for names is
    in the module docstring."""
    return ProductionScanner(clinics, name_clinics=name_clinics, name_k=name_k).scan(records_by_file)


@dataclass
class ScanResult:
    dataset_id: uuid.UUID
    records: dict[str, int]  # content file -> records scanned
    survivors: list[Survivor]
    skipped: list[str]  # content files that hold no records (binary)
    seconds: float
    name_clinics: list[str]  # slugs whose people's names were compared
    name_k: int | None

    def by_kind(self) -> dict[str, int]:
        return dict(Counter(s.kind for s in self.survivors))


def scan_dataset(path, *, clinics=None, now=None) -> ScanResult:
    """(production) Verify a dataset this production wrote (its factory key, unchanged, unexpired),
    open it with its audit key and run production_survivors over every record of every content
    file (.jsonl: one record a line; .json: one document). Numbers and e-mails are looked up in
    every active clinic's blind indexes; names are compared with the people of `clinics` (the
    dataset's source: every full name of theirs counts), or, none given, of every active clinic,
    where only names fewer than NAME_K people share count (pseudonyms meet common real names by
    chance there)."""
    started = time.perf_counter()
    dataset, key = open_for_scan(path, now)
    try:
        scanner = ProductionScanner(None, name_clinics=clinics, name_k=None if clinics else NAME_K)
        counts, skipped, survivors = {}, [], []
        for name in dataset.names():
            if name.endswith(".jsonl"):
                records = dataset.records(name, key)
            elif name.endswith(".json"):
                records = iter([json.loads(b"".join(dataset.chunks(name, key)))])
            else:
                skipped.append(name)
                continue
            counted = _Counted(records)
            try:
                survivors += scanner.scan({name: counted})
            except ValueError as exc:  # JSON that does not parse: the factory never writes it
                raise DatasetRefused(f"Content file {name} is not JSON ({exc}); it cannot be scanned.") from None
            counts[name] = counted.count
        return ScanResult(dataset.dataset_id, counts, survivors, skipped, time.perf_counter() - started,
                          scanner.name_clinic_slugs, scanner.name_k)
    finally:
        dataset.close()


class _Counted:
    def __init__(self, items):
        self.items, self.count = iter(items), 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item
