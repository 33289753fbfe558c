"""The scanner: every source identifier that survived into a dataset, wherever it is."""
import datetime
import functools
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from klinika.testdata.scrub import NameLists, Scrubber
from klinika.testdata.scrub.names import fold

# Free-text fields by record type (a dotted path reaches into a nested object): searched for names
# in any inflected form, not only the exact source values.
FREE_TEXT = {"notes": ("text",), "appointments": ("reason", "cancel_reason"),
             "encounters": ("content.interview", "content.examination", "content.recommendations"),
             "allergies": ("substance", "reaction"), "visit_types": ("name",)}
NAME_FIELDS = ("first_name", "last_name")
_DIGIT_RUN = re.compile(r"\d(?:[ \-()./]{0,2}\d)*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d{5,}")
_ANY_DIGIT = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_NON_WORD = re.compile(r"\W+")
_LETTER_THEN_DIGIT = re.compile(r"[^\W\d_]\W{1,3}\d")
# Strings up to this length in the streamed records are remembered with what was found in them:
# statuses, codes, reasons ("kontrola") and template phrases repeat thousands of times. Long notes
# and a person's own fields (patients, staff) are unique, and are not kept: they would only
# crowd out the ones that repeat (and cost the garbage collector its time).
CACHED_LENGTH = 256
CACHED_STRINGS = 16_384
UNIQUE_VALUES = frozenset({"patients", "staff"})
_NO_PATTERNS = lambda text, folded: ()  # noqa: E731 - the scanner looks for the source's values only


def mask(value: str) -> str:
    """Enough of a value to find it again in the source, never the value itself."""
    value = str(value)
    return value[:2] + "…" if len(value) > 4 else "…"


@dataclass(frozen=True)
class Survivor:
    kind: str          # PESEL, NAME, PHONE, EMAIL, DOCUMENT, LICENCE, ADDRESS
    record_type: str   # patients, staff, appointments, notes
    record_id: str
    field: str
    hint: str          # the first characters only

    def __str__(self) -> str:
        return f"{self.kind} in {self.record_type} {self.record_id} field {self.field} ({self.hint})"


@dataclass
class SourceIdentifiers:
    """The source's identifiers, normalised the way the scanner compares them."""
    pesels: set = field(default_factory=set)
    phones: set = field(default_factory=set)        # last 9 digits
    emails: set = field(default_factory=set)        # folded
    documents: set = field(default_factory=set)     # folded letters and digits
    licences: set = field(default_factory=set)
    streets: dict = field(default_factory=dict)     # folded street name -> buildings (folded)
    full_names: set = field(default_factory=set)    # (folded first, folded last)
    surnames: set = field(default_factory=set)      # folded words of surnames
    names: NameLists = field(default_factory=NameLists)

    @classmethod
    def from_records(cls, patients: Iterable[Mapping], staff: Iterable[Mapping] = ()) -> "SourceIdentifiers":
        src = cls()
        people = []
        for person in list(patients) + list(staff):
            people.append(person)
            if person.get("pesel"):
                src.pesels.add(re.sub(r"\D", "", person["pesel"]))
            phone = re.sub(r"\D", "", person.get("phone") or "")[-9:]
            if len(phone) == 9:
                src.phones.add(phone)
            if person.get("email"):
                src.emails.add(fold(person["email"].strip()))
            if person.get("document_number"):
                src.documents.add(re.sub(r"[^0-9a-z]", "", fold(person["document_number"])))
            for key in ("npwz", "licence_number"):
                if person.get(key):
                    src.licences.add(str(person[key]).strip().upper())
            address = person.get("address") or {}
            street = _street_words(address.get("street") or "")
            if street and address.get("building"):
                src.streets.setdefault(street, set()).add(fold(address["building"]).replace(" ", ""))
            first, last = fold(person.get("first_name") or ""), fold(person.get("last_name") or "")
            src.full_names.add((first, last))
            src.surnames.update(_WORD.findall(last))
        src.names = NameLists.from_people(people)
        # The scrubber's inflection table leaves out some names' own base form (forms("Ngo") has
        # "nga", "ngi" … but not "ngo"; forms("Le") is empty): the bare names are added here.
        for person in people:
            for key, kind in (("first_name", "IMIĘ"), ("last_name", "NAZWISKO")):
                for word in _WORD.findall(fold(person.get(key) or "")):
                    src.names.table.setdefault(word, kind)
        return src


def _street_words(street: str) -> str:
    words = [w for w in _WORD.findall(fold(street)) if w not in {"ul", "al", "os", "pl"}]
    return " ".join(words)


class Scanner:
    def __init__(self, source: SourceIdentifiers):
        self.source = source
        self.names = Scrubber(name_lists=source.names, detect=_NO_PATTERNS)
        # Every identifier the values are compared with holds a digit or an "@" (a licence without
        # a digit would be the exception): a string with neither holds none of them.
        self._digitless_licences = any(not _ANY_DIGIT.search(licence) for licence in source.licences)
        self._cached_values = functools.lru_cache(maxsize=CACHED_STRINGS)(self._values)
        self._cached_names = functools.lru_cache(maxsize=CACHED_STRINGS)(self._names)
        self._email_domains: dict[str, set] = {}  # local part -> domains
        for email in source.emails:
            local, _at_sign, domain = email.partition("@")
            self._email_domains.setdefault(local, set()).add(domain)
        self.document_shapes = {(len(d) - sum(c.isdigit() for c in d), sum(c.isdigit() for c in d))
                                 for d in source.documents}
        streets = sorted(source.streets, key=len, reverse=True)
        # A street name ends in a letter (always, in practice): then the long alternation of every
        # street below runs only on a string where a letter stands 1-3 separators before a digit.
        self._street_hint = (_LETTER_THEN_DIGIT if all(s[-1:].isalpha() for s in streets) else _ANY_DIGIT)
        # A licence needs at least this many digits in the string (none of them: a licence can be anywhere).
        self._licence_digits = min((sum(c.isdigit() for c in licence) for licence in source.licences), default=0)
        self.street_re = (re.compile(r"(?<!\w)(" + "|".join(re.escape(s).replace(r"\ ", r"\W+") for s in streets)
                                     + r")\W{1,3}(\d+[a-z]?)(?!\d)") if streets else None)

    def values(self, text: str) -> Iterable[tuple[str, str]]:
        """(kind, value) for each source identifier in a string."""
        if len(text) <= CACHED_LENGTH:
            return self._cached_values(text)
        return self._values(text)

    def _values(self, text: str) -> tuple[tuple[str, str], ...]:
        if "@" not in text and not self._digitless_licences and not _ANY_DIGIT.search(text):
            return ()
        return tuple(self._search(text))

    def _search(self, text: str) -> Iterable[tuple[str, str]]:
        src = self.source
        # How many digits the string holds tells which searches can find anything: a PESEL or a
        # phone needs 9, a document number 5 (and a street's building 1).
        digits = len(_NON_DIGIT.sub("", text))
        if digits >= 9:
            for m in _DIGIT_RUN.finditer(text):
                run = _NON_DIGIT.sub("", m.group())
                if len(run) < 9:
                    continue
                for width, kind, pool in ((11, "PESEL", src.pesels), (9, "PHONE", src.phones)):
                    for i in range(len(run) - width + 1):
                        if run[i:i + width] in pool:
                            yield kind, run[i:i + width]
        folded = fold(text)
        for m in _EMAIL.finditer(folded) if "@" in folded else ():
            # Also glued to other text ("tel.jan.nowak@wp.pl.", "kontakt:jan@wp.plpilne"): every
            # tail of the local part with every head of the domain.
            local, domain = m.group().split("@", 1)
            found = next((f"{local[i:]}@{domain[:j]}" for i in range(len(local))
                          if (domains := self._email_domains.get(local[i:])) is not None
                          for j in range(len(domain), 0, -1) if domain[:j] in domains), None)
            if found:
                yield "EMAIL", found
        if src.documents and digits >= 5:
            # Letters then digits (AB1234567, ABC123456), separators ignored: the letters stand
            # right before a run of digits, the digits may be any window of the run.
            compact = _NOT_ALNUM.sub("", folded)
            for m in _DIGITS.finditer(compact):
                for letters, width in self.document_shapes:
                    starts = range(m.start(), m.end() - width + 1) if letters == 0 else (m.start(),)
                    for i in starts:
                        candidate = compact[i - letters:i + width]
                        if i - letters >= 0 and candidate in src.documents:
                            yield "DOCUMENT", candidate
        if src.licences and digits >= self._licence_digits:
            for word in _WORD.findall(text):
                if word.upper() in src.licences:
                    yield "LICENCE", word
        if self.street_re is not None and digits and self._street_hint.search(folded):
            for m in self.street_re.finditer(folded):
                street = _NON_WORD.sub(" ", m.group(1))
                if m.group(2) in src.streets.get(street, ()):
                    yield "ADDRESS", m.group()

    def names_in(self, text: str) -> tuple[tuple[int, int], ...]:
        """(start, end) of each source name (any inflected form) in free text."""
        if len(text) <= CACHED_LENGTH:
            return self._cached_names(text)
        return self._names(text)

    def _names(self, text: str) -> tuple[tuple[int, int], ...]:
        return tuple((finding.start, finding.end) for finding in self.names.find(text)) if text else ()

    def record(self, record_type: str, record: Mapping, generated: Collection[str] = ()) -> list[Survivor]:
        """Every survivor in one record. `generated`: top-level fields whose values the caller made
        itself from nothing of the source's (keyed-HMAC record ids and references, dates it shifted
        and formatted): they cannot hold a source identifier and are not searched."""
        survivors = []
        values = self._values if record_type in UNIQUE_VALUES else self.values
        for path, value in _strings(record, skip=generated):
            if found_all := values(value):
                record_id = str(record.get("id", "?"))
                survivors += [Survivor(kind, record_type, record_id, path, mask(found)) for kind, found in found_all]
        if record_type in ("patients", "staff"):
            first, last = fold(record.get("first_name") or ""), fold(record.get("last_name") or "")
            if last and ((first, last) in self.source.full_names or set(_WORD.findall(last)) & self.source.surnames):
                survivors.append(Survivor("NAME", record_type, str(record.get("id", "?")), "last_name",
                                          mask(record["last_name"])))
        for field_name, keys in _FREE_TEXT_KEYS.get(record_type, ()):
            text = _at(record, keys)
            if text and (spans := self.names_in(text)):
                record_id = str(record.get("id", "?"))
                survivors += [Survivor("NAME", record_type, record_id, field_name, mask(text[start:end]))
                              for start, end in spans]
        return survivors


_FREE_TEXT_KEYS = {record_type: tuple((path, tuple(path.split("."))) for path in paths)
                   for record_type, paths in FREE_TEXT.items()}


def _at(record: Mapping, keys: tuple[str, ...]) -> str:
    value = record
    for key in keys:
        value = value.get(key) if type(value) is dict or isinstance(value, Mapping) else None
    return value if type(value) is str or isinstance(value, str) else ""


# Leaves that hold no string, told by their exact type before the slower abstract-class checks.
_NO_STRINGS = frozenset({int, float, bool, type(None), datetime.date, datetime.datetime, datetime.time})


def _strings(value, path: str = "", skip: Collection[str] = ()) -> list[tuple[str, str]]:
    """(path, string) of every string in a record, depth first, "id" keys left out (and `skip`'s
    keys at the top level)."""
    found: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        _strings_of_mapping(value, path, skip, found)
    else:
        _strings_into(value, path, found)
    return found


def _strings_of_mapping(value: Mapping, path: str, skip: Collection[str], found: list) -> None:
    for key, item in value.items():
        if key == "id" or key in skip:
            continue
        kind = type(item)
        if kind is str:
            found.append((f"{path}.{key}" if path else str(key), item))
        elif kind is dict:
            _strings_of_mapping(item, f"{path}.{key}" if path else str(key), (), found)
        elif kind is list:
            _strings_of_list(item, f"{path}.{key}" if path else str(key), found)
        elif kind not in _NO_STRINGS:
            _strings_into(item, f"{path}.{key}" if path else str(key), found)


def _strings_of_list(value: list | tuple, path: str, found: list) -> None:
    for n, item in enumerate(value):
        kind = type(item)
        if kind is str:
            found.append((f"{path}[{n}]", item))
        elif kind is dict:
            _strings_of_mapping(item, f"{path}[{n}]", (), found)
        elif kind not in _NO_STRINGS:
            _strings_into(item, f"{path}[{n}]", found)


def _strings_into(value, path: str, found: list) -> None:
    """Any value (the exact-type shortcuts above failed: subclasses, other mappings and sequences)."""
    if isinstance(value, str):
        found.append((path, value))
    elif isinstance(value, Mapping):
        _strings_of_mapping(value, path, (), found)
    elif isinstance(value, list | tuple):
        _strings_of_list(value, path, found)


def scan(dataset_records: Mapping[str, Iterable[Mapping]], source: SourceIdentifiers) -> list[Survivor]:
    """Every source identifier left in the records (a dict of record type -> records): exact
    PESELs, phones (last 9 digits, any separators), e-mails, document and licence numbers,
    street + building, names in structured fields (a source surname, or a source person's first
    and last name together) and in free text (any inflected form, via the scrubber's rules)."""
    scanner = Scanner(source)
    return [s for record_type, records in dataset_records.items() for record in records
            for s in scanner.record(record_type, record)]
