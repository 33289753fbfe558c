"""Code-list files (CSV: code,name; header optional) and the text forms codes are searched by.

No model imports here: the data migration that loads the built-in lists uses these too, and
a migration must not depend on today's models.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

ICD10 = "icd10"
ICD9PL = "icd9pl"
SYSTEM_LABELS = {ICD10: "ICD-10", ICD9PL: "ICD-9-PL"}
# What the command line calls each system.
SYSTEM_NAMES = {"icd10": ICD10, "icd9": ICD9PL, "icd9pl": ICD9PL}

# ICD-10: a letter, two digits, then optionally a dot and one or two characters (J06.9, O24.4, I10).
# ICD-9-PL: two digits, then optionally a dot and one to three characters (89.00, 88.78, 69.7).
PATTERNS = {
    ICD10: re.compile(r"[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?"),
    ICD9PL: re.compile(r"[0-9]{2}(\.[0-9A-Z]{1,3})?"),
}
EXAMPLES = {ICD10: "J06.9", ICD9PL: "89.00"}
NAME_MAX = 255
SEARCH_TEXT_MAX = 300
DATA_DIR = Path(__file__).resolve().parent / "data"
BUILTIN_FILES = {ICD10: DATA_DIR / "icd10.csv", ICD9PL: DATA_DIR / "icd9pl.csv"}
# Letters NFKD does not take apart.
_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe"})
_NOT_WORD = re.compile(r"[^0-9a-z.]+")


def fold(text: str) -> str:
    """Lower case, without diacritics or punctuation: 'Ostre zakażenie, górne' -> 'ostre zakazenie gorne'."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_FOLD_EXTRA))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def normalise_code(system: str, raw: str) -> str:
    """How a code is written in the list: upper case, no spaces; 'j069' -> 'J06.9', '89,00' -> '89.00'."""
    code = re.sub(r"\s+", "", str(raw or "")).upper().replace(",", ".")
    if system == ICD10 and "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    if system == ICD9PL and "." not in code and len(code) > 2:
        code = f"{code[:2]}.{code[2:]}"
    return code


def is_valid_code(system: str, code: str) -> bool:
    return PATTERNS[system].fullmatch(code) is not None


def search_text(code: str, name: str) -> str:
    return f"{code.lower()} {fold(name)}"[:SEARCH_TEXT_MAX]


@dataclass
class DictionaryFile:
    rows: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)


def _is_header(cells: list[str]) -> bool:
    return len(cells) >= 1 and fold(cells[0]) in {"code", "kod"}


def read_dictionary(system: str, data: bytes | str) -> DictionaryFile:
    """Every row of a code,name file, and every problem with its line number. Nothing is kept
    from a file with problems: the caller refuses it whole."""
    result = DictionaryFile()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            result.problems.append((line, _("the file is not UTF-8 text (save it as CSV UTF-8)")))
            return result
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(data.lstrip("\ufeff")))
    for cells in reader:
        line = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if line == 1 and _is_header(cells):
            continue
        problem = _check_row(system, cells, seen)
        if problem:
            result.problems.append((line, problem))
            continue
        code = normalise_code(system, cells[0])
        seen[code] = line
        result.rows.append((code, cells[1]))
    if not result.rows and not result.problems:
        result.problems.append((1, _("the file has no codes")))
    return result


def _check_row(system: str, cells: list[str], seen: dict[str, int]) -> str:
    if len(cells) != 2:
        return _("expected 2 columns (code,name), found %(count)d") % {"count": len(cells)}
    code = normalise_code(system, cells[0])
    if not is_valid_code(system, code):
        return _("“%(code)s” is not a valid %(system)s code (e.g. %(example)s)") % {
            "code": cells[0], "system": SYSTEM_LABELS[system], "example": EXAMPLES[system]}
    if not cells[1]:
        return _("code %(code)s has no name") % {"code": code}
    if len(cells[1]) > NAME_MAX:
        return _("the name of %(code)s is longer than %(max)d characters") % {"code": code, "max": NAME_MAX}
    if code in seen:
        return _("code %(code)s appears again (first on line %(line)d)") % {"code": code, "line": seen[code]}
    return ""


def builtin_rows(system: str) -> list[tuple[str, str]]:
    """The short lists shipped with klinika (names we wrote ourselves)."""
    parsed = read_dictionary(system, BUILTIN_FILES[system].read_bytes())
    if parsed.problems:
        raise ValueError(f"{BUILTIN_FILES[system].name}: {parsed.problems[:3]}")
    return parsed.rows
