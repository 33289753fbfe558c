"""Detectors of Polish identifiers in free text: compiled patterns, then a check digit or a label.

Each detector yields `(kind, start, end)`. The number detectors take the text and a window
(`detect` hands them only the runs of digits long enough to hold an identifier); the others
take the text and its folded copy (`names.fold`: lower case, no accents, same offsets), on
which cheap substring checks skip a pattern that cannot match. Precision comes from the check digit (PESEL, NIP,
REGON, identity card, passport, NPWZ) or from a label before the number where a check digit
alone would fire on too many ordinary numbers (9-digit REGON, NPWZ, dates of birth).
"""
import re
from collections.abc import Callable, Iterator

from klinika.testdata.scrub import checks

UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
_NON_DIGIT = re.compile(r"\D")

# A label this close before a number says what the number is.
_WINDOW = 48
_PESEL_LABEL = re.compile(r"pesel", re.IGNORECASE)
_REGON_LABEL = re.compile(r"regon", re.IGNORECASE)
_LICENCE_LABEL = re.compile(
    r"(?:\blek\.|\blekarz|\blekarka|\bdr\b|\bdr\.|\bprof\.|\bpwz\b|\bnpwz|\bprawa wykonywania zawodu|\bpiel\.|"
    r"\bpielęgniar|\bpołożn|\bnr\s+prawa)", re.IGNORECASE)


def _labelled(label: re.Pattern, text: str, start: int) -> bool:
    return label.search(text, max(0, start - _WINDOW), start) is not None


def _scan(pattern: re.Pattern, text: str, accept: Callable[[re.Match], bool], pos: int = 0,
          endpos: int | None = None) -> Iterator[tuple[int, int]]:
    """Every accepted match, retrying one character on when a candidate is refused (so a
    refused candidate cannot hide a valid one that starts inside it)."""
    search = pattern.search
    endpos = len(text) if endpos is None else endpos
    while (match := search(text, pos, endpos)) is not None:
        if accept(match):
            yield match.start(), match.end()
            pos = match.end()
        else:
            pos = match.start() + 1


# Patterns open with the character class they start with and look behind only after it:
# Python's re then skips ahead to candidate characters instead of trying every position
# (two to three times faster than a leading look-behind).
_PESEL = re.compile(r"\d(?<!\w\d)(?:[ -]?\d){10}(?!\d)")


def pesel(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[str, int, int]]:
    """11 digits (spaces or dashes allowed between) with a valid PESEL check digit and date;
    a labelled 11-digit number ("PESEL: …") even with a wrong check digit, since a mistyped
    PESEL still identifies."""
    def accept(m: re.Match) -> bool:
        digits = _NON_DIGIT.sub("", m[0])
        return checks.is_pesel(digits) or _labelled(_PESEL_LABEL, text, m.start())
    for start, end in _scan(_PESEL, text, accept, pos, endpos):
        yield "PESEL", start, end


_PHONE = re.compile(
    r"(?=[+(\d])(?<![\w+])(?:(?:\+|00)\s?48[\s-]?|\(\+?48\)\s?)?"
    r"(?:\d{3}[\s-]?\d{3}[\s-]?\d{3}|\(?0?\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2})(?![\d])")


def phone(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[str, int, int]]:
    """Polish numbers: 9 digits (mobile 3-3-3, landline 2-3-2-2 with the area code in brackets
    or behind a 0), optionally after +48, 0048 or (48)."""
    def accept(m: re.Match) -> bool:
        digits = _NON_DIGIT.sub("", m[0])
        if m[0].startswith(("+", "00", "(+", "(48")):
            digits = digits[4:] if digits.startswith("0048") else digits[2:]
        if len(digits) == 10 and digits[0] == "0":
            digits = digits[1:]
        return len(digits) == 9 and digits[0] != "0"
    for start, end in _scan(_PHONE, text, accept, pos, endpos):
        yield "TELEFON", start, end


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")


def email(text: str, folded: str) -> Iterator[tuple[str, int, int]]:
    at, done = text.find("@"), 0
    while at >= 0:
        m = _EMAIL.search(text, max(done, at - 64), at + 256)
        if m is not None and m.start() <= at < m.end():
            yield "EMAIL", m.start(), m.end()
            done = m.end()
            at = text.find("@", done)
        else:
            at = text.find("@", at + 1)


_NIP = re.compile(r"(?=[P\d])(?<![\w-])(?:PL\s?)?"
                  r"(?:\d{3}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}|\d{3}[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{3})(?![\w-])")


def nip(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[str, int, int]]:
    """10 digits with a valid NIP check digit, as 123-456-78-90, 123-45-67-890 or plain."""
    for start, end in _scan(_NIP, text, lambda m: checks.is_nip(_NON_DIGIT.sub("", m[0])), pos, endpos):
        yield "NIP", start, end


_REGON = re.compile(r"\d(?<![\w-]\d)(?:\d{13}|\d{8}|\d{2}[\s-]\d{3}[\s-]\d{3})(?![\w-])")


def regon(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[str, int, int]]:
    """14-digit REGONs by their check digit; 9-digit ones only when labelled, since one phone
    number in ten has a valid REGON check digit."""
    def accept(m: re.Match) -> bool:
        digits = _NON_DIGIT.sub("", m[0])
        return checks.is_regon(digits) and (len(digits) == 14 or _labelled(_REGON_LABEL, text, m.start()))
    for start, end in _scan(_REGON, text, accept, pos, endpos):
        yield "REGON", start, end


_ID_CARD = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]{2}\s?\d{6}(?!\w)")
_PASSPORT = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\s?\d{7}(?!\w)")


def id_card(text: str, folded: str) -> Iterator[tuple[str, int, int]]:
    for start, end in _scan(_ID_CARD, text, lambda m: checks.is_id_card(m[0].replace(" ", ""))):
        yield "DOWÓD", start, end


def passport(text: str, folded: str) -> Iterator[tuple[str, int, int]]:
    for start, end in _scan(_PASSPORT, text, lambda m: checks.is_passport(m[0].replace(" ", ""))):
        yield "PASZPORT", start, end


_NPWZ = re.compile(r"\d(?<![\w-]\d)\d{6}(?![\w-])")
_NURSING = re.compile(r"\d(?<![\w-]\d)\d{6}[PA](?![\w-])")
_LICENCE_HINTS = ("lek", "dr", "pwz", "prof", "piel", "polozn", "prawa")


def licence(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[str, int, int]]:
    """A doctor's NPWZ (7 digits, check digit) or a nurse's/midwife's licence, only after a
    label ("lek.", "dr", "NPWZ", "PWZ", "piel." …): on its own a 7-digit number is too often
    something else."""
    npwz = lambda m: checks.is_npwz(m[0]) and _labelled(_LICENCE_LABEL, text, m.start())  # noqa: E731
    for start, end in _scan(_NPWZ, text, npwz, pos, endpos):
        yield "NPWZ", start, end
    nursing = lambda m: checks.is_nursing_licence(m[0]) and _labelled(_LICENCE_LABEL, text, m.start())  # noqa: E731
    for start, end in _scan(_NURSING, text, nursing, pos, endpos):
        yield "NPWZ", start, end


_MONTHS = "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia"
_BIRTH_DATE = re.compile(
    r"[uUdDrR](?<!\w[uUdDrR])(?:r\.|rodzon[ya]\b|ata\s+urodzenia\b|at\.\s*ur\.|\.\s?ur\.|OB\b|ocznik\b)"
    r"\s*:?\s*(?:dnia\s+|w\s+|w\s+dniu\s+)?"
    r"((?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}"
    rf"|\d{{1,2}}\s+(?:{_MONTHS})\s+(?:19|20)\d{{2}}|(?:19|20)\d{{2}})(?:\s*r\.)?)(?!\d)",
    re.IGNORECASE)


_BIRTH_HINTS = ("ur.", "urodz", "dob", "rocznik")


def birth_date(text: str, folded: str) -> Iterator[tuple[str, int, int]]:
    """A date (or a year) right after "ur.", "urodzona", "data urodzenia", "rocznik" …"""
    if not any(hint in folded for hint in _BIRTH_HINTS):
        return
    for m in _BIRTH_DATE.finditer(text):
        yield "DATA_URODZENIA", m.start(1), m.end(1)


_WORD = rf"(?:[{UPPER}][\w.'’-]*)"
# "Lipowa", "3 Maja", "Jana Pawła II", "gen. Józefa Bema"
_STREET_NAME = rf"(?:\d{{1,2}}\s+)?{_WORD}(?:\s+(?:{_WORD}|i|im\.|św\.|gen\.|ks\.|bp\.))*"
_NUMBER = r"(?:\s+\d+[a-zA-Z]?(?:\s*/\s*\d+[a-zA-Z]?)?(?:\s*(?:m\.|lok\.)\s*\d+[a-zA-Z]?)?)"
_STREET = re.compile(
    r"(?:\b(?:[uU]l\.|[uU]lic[ayęą]|[aA]l\.|[aA]le(?:i|ja|ję|je)|[oO]s\.|[oO]siedl[eu]|[pP]l\.|[pP]lac[u]?|[rR]ondo"
    r"|[sS]kwer)\s*"
    rf"{_STREET_NAME}{_NUMBER}?"
    r"|\b(?:[zZ]am\.|[zZ]amieszkał[aey]?|[zZ]amieszkali|[aA]dres(?:\s+zamieszkania)?:?|[mM]ieszka)\s+"
    r"(?:(?:przy|na|w)\s+)?"
    rf"({_STREET_NAME}{_NUMBER}))")
_POSTAL = re.compile(rf"\d(?<![\w-]\d)\d-\d{{3}}\s+[{UPPER}][\w-]*(?:\s+[{UPPER}][\w-]*){{0,2}}")


_STREET_HINTS = ("ul.", "ulic", "al.", "alei", "os.", "osiedl", "pl.", "plac", "rondo", "skwer", "zam", "adres",
                 "mieszka")


def address(text: str, folded: str) -> Iterator[tuple[str, int, int]]:
    """A street with its prefix ("ul. Lipowa 5/3", "zam. Długa 7") and a postal code followed
    by its town ("00-950 Warszawa"). A postal code without a town is not taken: "10-120" is
    more often a range."""
    if any(hint in folded for hint in _STREET_HINTS):
        for m in _STREET.finditer(text):
            # after "zam."/"adres:" the street alone (group 1); with "ul." the prefix goes too
            yield ("ADRES", m.start(1), m.end(1)) if m[1] else ("ADRES", m.start(), m.end())
    for m in _POSTAL.finditer(text):
        yield "ADRES", m.start(), m.end()


NUMBER_DETECTORS = (pesel, nip, regon, phone, licence)
TEXT_DETECTORS = (email, id_card, passport, birth_date, address)
# Seven or more characters of digits and the separators people put between them: the only
# places a PESEL, NIP, REGON, phone number or licence number can be. Most of a note's numbers
# (doses, blood pressure, dates) are shorter, so the number detectors look only here.
_NUMBER_RUN = re.compile(r"\d[\d\s().+/-]{5,}\d")


def detect(text: str, folded: str) -> Iterator[tuple[str, int, int]]:
    """Every detector's findings (they may overlap; the scrubber merges them)."""
    for run in _NUMBER_RUN.finditer(text):
        # a little before the run for "+48", "(", "PL"; one character after for a nurse's "P"
        pos, endpos = max(0, run.start() - 4), min(len(text), run.end() + 1)
        for detector in NUMBER_DETECTORS:
            yield from detector(text, pos, endpos)
    for detector in TEXT_DETECTORS:
        yield from detector(text, folded)
