"""The scrubber: a person's own identifiers, the clinic's name lists, then the patterns."""
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from klinika.testdata.scrub import patterns
from klinika.testdata.scrub.names import COMMON_WORDS, fold, forms

__all__ = ["Finding", "NameLists", "OwnIdentifiers", "Scrubber", "placeholder"]

FIRST_NAME, SURNAME = "IMIĘ", "NAZWISKO"
_WORDS = re.compile(r"\w+")
_DIGITS = re.compile(r"\d")
# Among overlapping findings of equal length the more specific kind names the placeholder.
_RANK = {"PESEL": 9, "NIP": 8, "REGON": 8, "DOWÓD": 7, "PASZPORT": 7, "DOKUMENT": 7, "EMAIL": 7, "NPWZ": 6,
         "TELEFON": 5, "DATA_URODZENIA": 4, "ADRES": 3, SURNAME: 2, FIRST_NAME: 1}


def placeholder(kind: str) -> str:
    return f"[{kind}]"


@dataclass(frozen=True, slots=True)
class Finding:
    """What was removed and where (offsets into the text given to `scrub`); never the value."""
    kind: str
    start: int
    end: int
    source: str  # "own" (the person's identifiers), "list" (the clinic's names) or "pattern"

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def _name_table(first_names: Iterable[str], surnames: Iterable[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for kind, names in ((FIRST_NAME, first_names), (SURNAME, surnames)):
        for name in names:
            for word in _WORDS.findall(name or ""):
                for form in forms(word):
                    table.setdefault(form, kind)
    return table


class NameLists:
    """The clinic's staff and patient names, as one table of folded inflected forms. Built once
    per clinic; a per-person `Scrubber` shares it."""

    def __init__(self, first_names: Iterable[str] = (), surnames: Iterable[str] = ()):
        self.table = _name_table(first_names, surnames)

    @classmethod
    def from_people(cls, people: Iterable[Mapping]) -> "NameLists":
        people = list(people)
        return cls((p.get("first_name", "") for p in people), (p.get("last_name", "") for p in people))

    def __len__(self) -> int:
        return len(self.table)


def _digits_pattern(digits: str) -> str:
    return r"[\s().-]{0,2}".join(digits)


@dataclass(frozen=True)
class OwnIdentifiers:
    """One person's identifiers, removed wherever they occur, whatever their case and accents."""
    first_names: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    pesels: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    document_numbers: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_person(cls, person: Mapping) -> "OwnIdentifiers":
        """From a person as `SyntheticPeople` (and the patient import) spell one."""
        address = person.get("address") or {}
        return cls(
            first_names=tuple(filter(None, [person.get("first_name"), person.get("second_name")])),
            surnames=tuple(filter(None, [person.get("last_name"), person.get("family_name")])),
            pesels=tuple(filter(None, [person.get("pesel")])),
            phones=tuple(filter(None, [person.get("phone")])),
            emails=tuple(filter(None, [person.get("email")])),
            document_numbers=tuple(filter(None, [person.get("document_number")])),
            streets=tuple(filter(None, [address.get("street")])),
        )

    def compiled(self) -> tuple[dict[str, str], list[tuple[str, re.Pattern, bool]]]:
        """(name forms, [(kind, pattern, on_folded_text)]), built on first use."""
        if not self._compiled:
            regexes: list[tuple[str, re.Pattern, bool]] = []
            for value in self.pesels:
                digits = "".join(_DIGITS.findall(value))
                if digits:
                    regexes.append(("PESEL", re.compile(rf"(?<!\d){_digits_pattern(digits)}(?!\d)"), False))
            for value in self.phones:
                digits = "".join(_DIGITS.findall(value))[-9:]
                if len(digits) >= 6:
                    prefix = r"(?:(?:\+|00)\s?\d{1,3}[\s-]?|\(\+?\d{1,3}\)\s?)?\(?0?"
                    regexes.append(("TELEFON", re.compile(rf"(?<![\w+]){prefix}{_digits_pattern(digits)}(?!\d)"), False))
            for value in self.emails:
                regexes.append(("EMAIL", re.compile(rf"(?<![\w.+-]){re.escape(fold(value.strip()))}(?![\w-])"), True))
            for value in self.document_numbers:
                chars = [c for c in fold(value) if c.isalnum()]
                if len(chars) >= 5:
                    body = r"[\s-]?".join(re.escape(c) for c in chars)
                    regexes.append(("DOKUMENT", re.compile(rf"(?<!\w){body}(?!\w)"), True))
            for value in self.streets:
                words = [w for w in _WORDS.findall(fold(value)) if w not in {"ul", "al", "os", "pl"}]
                alternatives = [sorted(forms(w) or {w}, key=len, reverse=True) for w in words]
                if alternatives:
                    body = r"\W{1,3}".join("(?:" + "|".join(map(re.escape, alts)) + ")" for alts in alternatives)
                    number = r"(?:\s+\d+[a-z]?(?:\s*/\s*\d+[a-z]?)?)?"
                    regexes.append(("ADRES", re.compile(rf"\b{body}\b{number}"), True))
            self._compiled["names"] = _name_table(self.first_names, self.surnames)
            self._compiled["regexes"] = regexes
        return self._compiled["names"], self._compiled["regexes"]


class Scrubber:
    """`Scrubber(own_identifiers=…, name_lists=…).scrub(text) -> (clean_text, findings)`.

    Names match on word boundaries in any inflected form, without regard to accents. The
    person's own names match in any case; the clinic's name lists match a capitalised word, or
    a lower-case word of 6 letters or more that is not a common Polish word ("kalina" is
    taken, "idzie" – a form of Ida – and "kot" are not). Street names of the person's own
    address match only capitalised, since many are ordinary adjectives ("Długa", "Polna").
    """

    def __init__(self, own_identifiers: OwnIdentifiers | Mapping | None = None,
                 name_lists: NameLists | Iterable[Mapping] | None = None,
                 detectors=patterns.DETECTORS):
        if isinstance(own_identifiers, Mapping):
            own_identifiers = OwnIdentifiers.from_person(own_identifiers)
        if name_lists is not None and not isinstance(name_lists, NameLists):
            name_lists = NameLists.from_people(name_lists)
        self.own = own_identifiers
        self.lists = name_lists
        self.detectors = detectors
        self._own_names, self._own_regexes = own_identifiers.compiled() if own_identifiers else ({}, [])
        self._list_names = name_lists.table if name_lists else {}

    def with_own(self, own_identifiers: OwnIdentifiers | Mapping | None) -> "Scrubber":
        """The same clinic's scrubber for another person's texts (the name lists are shared)."""
        return Scrubber(own_identifiers, self.lists, self.detectors)

    def find(self, text: str) -> list[Finding]:
        """Every identifier found, overlapping ones merged, in text order."""
        folded = fold(text)
        found: list[Finding] = []
        for kind, pattern, on_folded in self._own_regexes:
            subject = folded if on_folded else text
            for m in pattern.finditer(subject):
                if kind == "ADRES" and not text[m.start()].isupper():
                    continue
                found.append(Finding(kind, m.start(), m.end(), "own"))
        found.extend(self._names(text, folded))
        for detector in self.detectors:
            found.extend(Finding(kind, start, end, "pattern") for kind, start, end in detector(text))
        return _merge(found)

    def scrub(self, text: str) -> tuple[str, list[Finding]]:
        findings = self.find(text)
        if not findings:
            return text, findings
        pieces, pos = [], 0
        for finding in findings:
            pieces.append(text[pos:finding.start])
            pieces.append(placeholder(finding.kind))
            pos = finding.end
        pieces.append(text[pos:])
        return "".join(pieces), findings

    def _names(self, text: str, folded: str) -> list[Finding]:
        own, lists = self._own_names, self._list_names
        words = set(_WORDS.findall(folded))
        hits = (words & own.keys()) | (words & lists.keys())
        if not hits:
            return []
        found = []
        alternation = re.compile(r"\b(?:" + "|".join(sorted(hits, key=len, reverse=True)) + r")\b")
        for m in alternation.finditer(folded):
            form, start = m[0], m.start()
            capitalised = text[start].isupper()
            if form in own and (capitalised or form not in COMMON_WORDS):
                found.append(Finding(own[form], start, m.end(), "own"))
            elif form in lists and (capitalised or (len(form) >= 6 and form not in COMMON_WORDS)):
                found.append(Finding(lists[form], start, m.end(), "list"))
        return found


def _merge(found: list[Finding]) -> list[Finding]:
    """Overlapping findings become one covering both (nothing half-removed); its kind is the
    longest one's, then the most specific."""
    if not found:
        return found
    found.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    current, best = found[0], found[0]
    end = current.end
    for f in found[1:]:
        if f.start < end:
            if (f.end - f.start, _RANK.get(f.kind, 0)) > (best.end - best.start, _RANK.get(best.kind, 0)):
                best = f
            end = max(end, f.end)
            continue
        merged.append(Finding(best.kind, current.start, end, best.source))
        current, best, end = f, f, f.end
    merged.append(Finding(best.kind, current.start, end, best.source))
    return merged
