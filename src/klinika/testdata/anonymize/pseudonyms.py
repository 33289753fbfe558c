"""Keyed pseudonyms: names, PESEL, phones, e-mails, documents, licence numbers, ids and date
offsets, each a function of (run secret, purpose, source value) so the same person gets the same
pseudonym throughout a run, and of nothing else, so it cannot be recomputed once the secret is
destroyed. Collisions are resolved deterministically by probing (value, 1), (value, 2), …
"""
import datetime
import re
from collections.abc import Iterable, Mapping

from klinika.testdata.anonymize.secret import RunSecret
from klinika.testdata.scrub.names import fold
from klinika.testdata.synth import reference

MAX_OFFSET_DAYS = 180
# Pseudonymous e-mails go to reserved domains (RFC 2606): a test environment never mails anyone.
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
# Surnames built from Polish roots and endings, for when the clinic's own patients already bear
# most of the reference surnames (a pseudonym must never be a source surname).
_ROOTS = ("Bart", "Bied", "Bor", "Brzez", "Chmiel", "Cis", "Dąbr", "Gaj", "Głog", "Grab", "Jawor", "Jesion",
          "Kalin", "Klon", "Krzew", "Lesz", "Lip", "Łąck", "Mał", "Mied", "Modrz", "Olch", "Orzech", "Ostr",
          "Pias", "Pol", "Rud", "Sad", "Sosn", "Stawn", "Topol", "Trzcin", "Wierzb", "Wrzos", "Zawad", "Żyt")
_ENDINGS = (("owski", "owska"), ("iński", "ińska"), ("ecki", "ecka"), ("owicz", "owicz"), ("czyk", "czyk"),
            ("ak", "ak"), ("ewski", "ewska"))
# Syllables between root and ending ("Bart-el-owski"): a large clinic bears nearly every reference
# surname, and distinct people need distinct (first name, surname) pairs: 36 x 10 x 7 surnames.
_INFIXES = ("", "el", "ar", "ec", "ik", "ol", "an", "usz", "en", "ur")
# Distinct people get distinct (given name, surname) pairs: the pairs on offer are kept at least
# this many times the people, so probing for a free pair stays short.
PAIRS_PER_PERSON = 4
_PROBES = 64


def pesel_for(birth: datetime.date, male: bool, serial: int, slot: int) -> str:
    """A valid PESEL for a birth date (1800-2299) and sex, serial 0-999, sex-digit slot 0-4."""
    century = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}.get(birth.year // 100)
    if century is None:
        raise ValueError(f"a PESEL cannot encode the birth year {birth.year}")
    body = f"{birth.year % 100:02d}{birth.month + century:02d}{birth.day:02d}{serial:03d}{slot * 2 + int(male)}"
    check = (10 - sum(w * int(d) for w, d in zip((1, 3, 7, 9, 1, 3, 7, 9, 1, 3), body, strict=True)) % 10) % 10
    return body + str(check)


def npwz_for(number: int) -> str:
    """A valid doctor's licence number (NPWZ) from any integer: the check digit leads."""
    for step in range(11):
        body = f"{(number + step * 7919) % 1_000_000:06d}"
        check = sum(i * int(d) for i, d in enumerate(body, start=1)) % 11
        if 1 <= check <= 9:
            return f"{check}{body}"
    raise AssertionError("unreachable: one of 11 consecutive bodies has a check digit 1-9")


def digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


class Pseudonyms:
    """Everything pseudonymous for one run. `source_*` sets are the source's identifiers a
    pseudonym must never equal (given to the constructor, from `SourceIdentifiers`)."""

    def __init__(self, secret: RunSecret, *, name_table: Mapping[str, str], pesels: Iterable[str] = (),
                 phones: Iterable[str] = (), documents: Iterable[str] = (), licences: Iterable[str] = (),
                 today: datetime.date | None = None, people: int = 0):
        self.secret = secret
        self.today = today or datetime.date.today()
        self.used: dict[str, set] = {k: set() for k in ("pesel", "phone", "email", "document", "licence", "id",
                                                        "name")}
        self.used["pesel"].update(pesels)
        self.used["phone"].update(digits(p)[-9:] for p in phones)
        # The scanner looks for a source phone in every 9 digits of a string and for a source PESEL
        # in every 11: a pseudonymous PESEL or phone must hold neither (else the run is refused).
        self.source_phones = frozenset(digits(p)[-9:] for p in phones)
        self.source_pesels = frozenset(pesels)
        self.used["document"].update(re.sub(r"[^0-9a-z]", "", fold(d)) for d in documents)
        self.used["licence"].update(licences)
        self.surnames = _surname_pool(name_table)
        self.first_names, self.first_names_exhausted = _first_name_pools(
            name_table, -(-PAIRS_PER_PERSON * people // len(self.surnames)))
        self._ids: dict[tuple[str, str], str] = {}

    def _probe(self, purpose: str, value: str, make, used: str):
        """The first candidate make(n) for n = HMAC(value, 0), HMAC(value, 1), … not used yet."""
        taken = self.used[used]
        candidate = None
        for attempt in range(_PROBES):
            candidate = make(self.secret.number(purpose, f"{value}\x00{attempt}"))
            if candidate is not None and candidate not in taken:
                taken.add(candidate)
                return candidate
        raise RuntimeError(f"no free {purpose} pseudonym after {_PROBES} attempts: the space is exhausted")

    def record_id(self, kind: str, source_id) -> str:
        """A stable opaque id: the same source id gives the same id in every record of the run."""
        key = (kind, str(source_id))
        made = self._ids.get(key)
        if made is None:
            made = self._ids[key] = self._probe(f"id:{kind}", key[1], lambda n: f"{kind[0]}{n % 16**12:012x}", "id")
        return made

    def offset_days(self, person_key: str, birth: datetime.date | None) -> int:
        """The person's date shift: ±1..180 days, never 0; negative when a positive shift would put
        the birth date after today."""
        n = self.secret.number("offset", person_key) % (2 * MAX_OFFSET_DAYS)
        offset = n - MAX_OFFSET_DAYS if n < MAX_OFFSET_DAYS else n - MAX_OFFSET_DAYS + 1
        if birth is not None and birth + datetime.timedelta(days=offset) > self.today:
            offset = -abs(offset)
        return offset

    def name(self, person_key: str, sex: str, surname_of: tuple[int, int] | None = None) -> tuple[str, str, int]:
        """(first name, surname, surname index) matched to sex; a ward who bore the guardian's
        surname gets the guardian's pseudonymous surname (`surname_of` = its index)."""
        male = sex == "M"
        pool = self.first_names["M" if male else "F"]
        first = pool[self.secret.number("first", person_key) % len(pool)]
        if surname_of is not None:
            index = surname_of
        else:
            index = self._probe("surname", person_key,
                                lambda n: (first, n % len(self.surnames)), "name")[1]
        masculine, feminine = self.surnames[index]
        return first, masculine if male else feminine, index

    def pesel(self, person_key: str, birth: datetime.date, sex: str) -> str:
        phones = self.source_phones

        def make(n):
            pesel = pesel_for(birth, sex == "M", n % 1000, n // 1000 % 5)
            return None if pesel[:9] in phones or pesel[1:10] in phones or pesel[2:] in phones else pesel

        return self._probe("pesel", person_key, make, "pesel")

    def phone(self, person_key: str) -> str:
        prefixes = reference.mobile_prefixes().values

        taken = self.used["phone"]

        def make(n):
            national = f"{int(prefixes[n % len(prefixes)]):02d}{n // 97 % 10_000_000:07d}"
            # Written "+48 …", the 11 digits hold two more 9-digit windows: neither may be a source number.
            written = "48" + national
            if written[:9] in taken or written[1:10] in taken or written in self.source_pesels:
                return None
            return national

        national = self._probe("phone", person_key, make, "phone")
        return f"+48 {national[:3]} {national[3:6]} {national[6:]}"

    def email(self, person_key: str, first: str, last: str) -> str:
        return self._probe("email", person_key, lambda n: (
            f"{fold(first)}.{fold(last)}{n % 1000}@{EMAIL_DOMAINS[n // 1000 % len(EMAIL_DOMAINS)]}"), "email")

    def document(self, person_key: str, source_number: str) -> str:
        """A document number of the source's shape: its letters replaced, its digits replaced."""
        letters = sum(c.isalpha() for c in source_number) or 2
        width = sum(c.isdigit() for c in source_number) or 7

        def make(n):
            head = "".join(chr(ord("A") + (n >> (5 * i)) % 26) for i in range(letters))
            return fold(head) + f"{n >> 40:0{width}d}"[-width:]

        return self._probe("document", person_key, make, "document").upper()

    def licence(self, person_key: str, source_number: str) -> str:
        """A doctor's NPWZ for an NPWZ, a nursing licence (7 digits and P/A) for a nursing one."""
        if source_number[-1:].isalpha():
            return self._probe("licence", person_key,
                               lambda n: f"{n % 45 + 1:02d}{n // 45 % 100_000:05d}{source_number[-1].upper()}",
                               "licence")
        return self._probe("licence", person_key, npwz_for, "licence")


def _first_name_pools(name_table: Mapping[str, str], at_least: int = 1) -> tuple[dict[str, list[str]], bool]:
    """Polish given names by sex, less every name (in any form) a source person bears. If fewer
    than `at_least` are left (a large clinic bears nearly all), the whole list: a given name alone
    identifies nobody, and the scanner then looks for source first-and-last-name pairs instead."""
    table = reference.first_names()
    pools, exhausted = {}, False
    for sex in "MF":
        names = sorted({str(table.names[i]) for era in range(3) for i in table.groups[sex, "pl", era].values.tolist()})
        free = [n for n in names if fold(n) not in name_table]
        if len(free) < max(at_least, 1):
            free, exhausted = [], True
        pools[sex] = free or names
    return pools, exhausted


def _surname_pool(name_table: Mapping[str, str]) -> list[tuple[str, str]]:
    table = reference.surnames()
    candidates = list(zip(table.masculine.tolist(), table.feminine.tolist(), strict=True))
    candidates += [(root + infix + m, root + infix + f) for root in _ROOTS for infix in _INFIXES for m, f in _ENDINGS]
    pool = sorted({(m, f) for m, f in candidates if fold(m) not in name_table and fold(f) not in name_table})
    if not pool:
        raise RuntimeError("every pseudonymous surname is a source surname: extend the reference lists")
    return pool
