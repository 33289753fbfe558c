"""The scrubber: a person's own identifiers, the clinic's name lists, then the patterns."""
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from klinika.testdata.scrub import patterns
from klinika.testdata.scrub.names import COMMON_WORDS, fold, forms

__all__ = ["Finding", "NameLists", "OwnIdentifiers", "Scrubber", "placeholder"]

FIRST_NAME, SURNAME = "IMIĘ", "NAZWISKO"
_WORDS = re.compile(r"\w+")
_DIGITS = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D+")
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


_SEPARATORS = frozenset(" \t\n().-/")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;(\n]\s*|^\s+)$")
_TITLE = re.compile(r"\b(?:dr|lek|prof|mgr|doc|piel|pan|pani|pana|pania|panem|panstwo|panstwa)\.?\s*$")
_NEXT_WORD = re.compile(r"\W{1,3}(\w+)")
_BUILDING = re.compile(r"\s+\d+[a-z]?(?:\s*/\s*\d+[a-z]?)?")
_PHONE_PREFIX = re.compile(r"(?:(?:\+|00)\s?\d{1,3}[\s-]?|\(\+?\d{1,3}\)\s?)?\(?0?$")
# Texts up to this length are remembered with what the clinic's name lists and the patterns found in
# them (reasons like "kontrola", template phrases repeat thousands of times); long notes are unique.
CACHED_LENGTH = 256
CACHED_TEXTS = 16_384


def _digit_positions(text: str) -> tuple[str, list[int]]:
    positions = [m.start() for m in _DIGITS.finditer(text)]
    return "".join(text[i] for i in positions), positions


def _find_digits(text: str, digits: str, positions: list[int], needle: str) -> list[tuple[int, int]]:
    """Where the digit sequence `needle` is written in `text`, whatever separators ("601 234-567",
    "(22) 123 45 67") stand between its digits: at most two separator characters per gap."""
    spans, i = [], digits.find(needle)
    while i >= 0:
        covered = positions[i:i + len(needle)]
        gaps = zip(covered, covered[1:], strict=False)
        if all(b - a <= 3 and all(c in _SEPARATORS for c in text[a + 1:b]) for a, b in gaps):
            spans.append((covered[0], covered[-1] + 1))
        i = digits.find(needle, i + 1)
    return spans


def _find_word(folded: str, needle: str) -> list[tuple[int, int]]:
    """Whole-word occurrences of `needle` (already folded) in the folded text."""
    spans, i, n = [], folded.find(needle), len(needle)
    while i >= 0:
        before = folded[i - 1] if i else " "
        after = folded[i + n] if i + n < len(folded) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            spans.append((i, i + n))
        i = folded.find(needle, i + 1)
    return spans


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

    def prepared(self) -> dict:
        """The folded forms this person's identifiers are searched by, built on first use (no
        regex per person: the anonymizer makes one of these for every patient)."""
        if not self._compiled:
            c = self._compiled
            c["name_words"] = tuple(word for name in (*self.first_names, *self.surnames)
                                    for word in _WORDS.findall(name or ""))
            c["pesels"] = [d for d in ("".join(_DIGITS.findall(v)) for v in self.pesels) if len(d) >= 6]
            c["phones"] = [d for d in ("".join(_DIGITS.findall(v))[-9:] for v in self.phones) if len(d) >= 6]
            c["emails"] = [fold(v.strip()) for v in self.emails if "@" in v]
            c["documents"] = [d for d in (re.sub(r"[^0-9a-z]", "", fold(v)) for v in self.document_numbers)
                              if len(d) >= 5]
            c["documents_digits"] = [t for t in ("".join(ch for ch in d if ch.isdigit()) for d in c["documents"])
                                     if len(t) >= 5]
            streets = []
            for value in self.streets:
                words = [w for w in _WORDS.findall(fold(value)) if w not in {"ul", "al", "os", "pl"}]
                if words:
                    streets.append([forms(w) or {w} for w in words])
            c["streets"] = streets
            c["needles"] = c["pesels"] + c["phones"] + c["documents_digits"]
            c["street_starts"] = frozenset(form for alternatives in streets for form in alternatives[0])
        return self._compiled

    def names(self) -> dict[str, str]:
        """The inflected forms of this person's names (folded form -> IMIĘ or NAZWISKO), built on
        first use: most texts are told free of them by their words alone (`Scrubber.find`)."""
        c = self.prepared()
        if "names" not in c:
            c["names"] = _name_table(self.first_names, self.surnames)
        return c["names"]

    def find(self, text: str, folded: str, words: set[str]) -> list[tuple[str, int, int]]:
        p = self.prepared()
        found = []
        needles = p["needles"]
        all_digits = _NON_DIGIT.sub("", text) if needles else ""
        if any(n in all_digits for n in needles):
            digits, positions = _digit_positions(text)
            for value in p["pesels"]:
                found += [("PESEL", s, e) for s, e in _find_digits(text, digits, positions, value)]
            for value in p["phones"]:
                for s, e in _find_digits(text, digits, positions, value):
                    prefix = _PHONE_PREFIX.search(text, max(0, s - 8), s)
                    found.append(("TELEFON", prefix.start() if prefix else s, e))
            for value in p["documents"]:
                tail = "".join(c for c in value if c.isdigit())
                if len(tail) >= 5 and tail in digits:
                    body = r"[\s-]?".join(re.escape(c) for c in value)
                    found += [("DOKUMENT", m.start(), m.end()) for m in re.finditer(rf"(?<!\w){body}(?!\w)", folded)]
        for value in p["emails"]:  # anywhere, even glued to other text
            i = folded.find(value)
            while i >= 0:
                found.append(("EMAIL", i, i + len(value)))
                i = folded.find(value, i + 1)
        for alternatives in p["streets"]:
            for form in words.intersection(alternatives[0]):
                for start, end in _find_word(folded, form):
                    if not text[start].isupper():  # "Długa" the street, not "długa" the adjective
                        continue
                    for following in alternatives[1:]:
                        m = _NEXT_WORD.match(folded, end)
                        if m is None or m[1] not in following:
                            break
                        end = m.end()
                    else:
                        if number := _BUILDING.match(folded, end):
                            end = number.end()
                        found.append(("ADRES", start, end))
        return found


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
                 detect=patterns.detect, _shared: "_SharedTexts | None" = None):
        if isinstance(own_identifiers, Mapping):
            own_identifiers = OwnIdentifiers.from_person(own_identifiers)
        if name_lists is not None and not isinstance(name_lists, NameLists):
            name_lists = NameLists.from_people(name_lists)
        self.own = own_identifiers
        self.lists = name_lists
        self.detect = detect
        if own_identifiers is not None:
            # Without one of these in a text (a form of one of the person's names, the first word
            # of their street; digits of their PESEL, phone or document; their e-mail) the person's
            # own identifiers find nothing in it.
            prepared = own_identifiers.prepared()
            self._own_name_words, self._own_street_starts = prepared["name_words"], prepared["street_starts"]
            self._own_needles, self._own_emails = prepared["needles"], prepared["emails"]
        self._list_names = name_lists.table if name_lists else {}
        # What the name lists and the patterns find in a short text is the same for every person:
        # kept once for the clinic's scrubber and every per-person one made from it (with_own).
        self._shared = _shared if _shared is not None else _SharedTexts(name_lists, detect)

    def with_own(self, own_identifiers: OwnIdentifiers | Mapping | None) -> "Scrubber":
        """The same clinic's scrubber for another person's texts (the name lists are shared)."""
        return Scrubber(own_identifiers, self.lists, self.detect, self._shared)

    def find(self, text: str) -> list[Finding]:
        """Every identifier found, overlapping ones merged, in text order."""
        if len(text) <= CACHED_LENGTH:
            seen = self._shared.get(text)
            # The person's own identifiers are not in it: the clinic's findings are the whole answer.
            if self.own is None or (not (seen.digits and any(n in seen.digits for n in self._own_needles))
                                    and not any(e in seen.folded for e in self._own_emails)
                                    and seen.words.isdisjoint(self._own_street_starts)
                                    and all(seen.words.isdisjoint(forms(w)) for w in self._own_name_words)):
                return list(seen.findings)
        return self._find(text)

    def _find(self, text: str) -> list[Finding]:
        folded = fold(text)
        words = set(_WORDS.findall(folded))
        found: list[Finding] = []
        if self.own is not None:
            found.extend(Finding(kind, start, end, "own") for kind, start, end in self.own.find(text, folded, words))
        found.extend(self._names(text, folded, words))
        found.extend(Finding(kind, start, end, "pattern") for kind, start, end in self.detect(text, folded))
        return _join_names(text, _merge(found))

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

    @property
    def _own_names(self) -> dict[str, str]:
        return self.own.names() if self.own is not None else {}

    def _names(self, text: str, folded: str, words: set[str]) -> list[Finding]:
        own, lists = self._own_names, self._list_names
        found, doubtful = [], []
        for form in (words & own.keys()) | (words & lists.keys()):
            common = form in COMMON_WORDS
            for start, end in _find_word(folded, form):
                capitalised = text[start].isupper()
                if form in own and (capitalised or not common):
                    found.append(Finding(own[form], start, end, "own"))
                elif form in lists and common and capitalised:
                    doubtful.append(Finding(lists[form], start, end, "list"))
                elif form in lists and (capitalised or (len(form) >= 6 and not common)):
                    found.append(Finding(lists[form], start, end, "list"))
        # "Róża podudzia", "Marka glukometru": a common word that is someone else's name, when
        # capitalised only because it opens a sentence, is that name only next to another name
        # or after a title ("Róża Nowak", "dr Wilk").
        for f in doubtful:
            if not _SENTENCE_START.search(text, max(0, f.start - 4), f.start) or _TITLE.search(
                    folded, max(0, f.start - 12), f.start) or any(
                    text[f.end:g.start] in (" ", "-") or text[g.end:f.start] in (" ", "-")
                    for g in found + doubtful if g is not f):
                found.append(f)
        return found


class _Seen:
    __slots__ = ("digits", "findings", "folded", "words")

    def __init__(self, folded: str, words: set[str], digits: str, findings: tuple[Finding, ...]):
        self.folded, self.words, self.digits, self.findings = folded, words, digits, findings


class _SharedTexts:
    """Short texts (a bounded number, least recently used dropped first) with their folded form,
    words, digits and what the clinic's scrubber (no person's own identifiers) found in them."""

    def __init__(self, name_lists: NameLists | None, detect):
        self.clinic = Scrubber(None, name_lists, detect, self)
        self.texts: OrderedDict[str, _Seen] = OrderedDict()

    def get(self, text: str) -> _Seen:
        seen = self.texts.get(text)
        if seen is not None:
            self.texts.move_to_end(text)
            return seen
        folded = fold(text)
        seen = self.texts[text] = _Seen(folded, set(_WORDS.findall(folded)), _NON_DIGIT.sub("", text),
                                        tuple(self.clinic._find(text)))
        if len(self.texts) > CACHED_TEXTS:
            self.texts.popitem(last=False)
        return seen


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


def _join_names(text: str, findings: list[Finding]) -> list[Finding]:
    """"Anna Maria", "Nowak-Kowalska": one placeholder for a double name, not two around a gap."""
    out: list[Finding] = []
    for f in findings:
        if (out and f.kind == out[-1].kind and f.kind in (FIRST_NAME, SURNAME)
                and text[out[-1].end:f.start] in (" ", "-")):
            out[-1] = Finding(f.kind, out[-1].start, f.end, out[-1].source)
        else:
            out.append(f)
    return out
