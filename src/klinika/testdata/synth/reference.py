"""The reference tables in data/ (public statistics and common names), loaded once into arrays.

Each table becomes numpy arrays the generator indexes in bulk: names and their ASCII-folded
forms side by side (for e-mails), and per weighted list a lookup table to draw from in bulk.
"""
import csv
import datetime
import functools
import importlib
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np

ORIGINS = ("pl", "ua", "by", "vn", "de")
ERAS = ("born_before_1960", "born_1960_1989", "born_from_1990")
ERA_BOUNDS = (datetime.date(1960, 1, 1), datetime.date(1990, 1, 1))
# NFKD leaves these letters whole; everything else with a diacritic decomposes.
_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "đ": "d", "Đ": "D", "ø": "o"})


def fold(text: str) -> str:
    """ASCII letters for an e-mail address: "Żółkiewska" -> "zolkiewska"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def _rows(name: str) -> list[dict]:
    text = resources.files("klinika.testdata.synth").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def strings(values) -> np.ndarray:
    """An object array of Python strings: indexing it copies references, not characters, and
    concatenating two of them is one C loop (both faster than numpy's fixed-width str arrays)."""
    values = list(values)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@functools.cache
def number_strings(width: int, count: int) -> np.ndarray:
    """str(i) zero-padded to width, for i < count (looked up instead of formatted per person)."""
    return strings(f"{i:0{width}d}" for i in range(count))


def _cumulative(weights) -> np.ndarray:
    total = np.cumsum(np.asarray(weights, dtype=np.float64))
    return total / total[-1]


# Draws go through a lookup table of this many slots (a slot per 1/65,536 of probability) rather
# than a binary search per person: one gather instead of ~10 scattered reads. Each weight is
# rounded to a multiple of 1/65,536, far below the precision of the reference figures.
LOOKUP_SLOTS = 1 << 16


@dataclass(frozen=True)
class Choice:
    """Values with their probabilities: draw(rng, n) gives n indices into `values`."""
    values: np.ndarray
    cdf: np.ndarray
    lookup: np.ndarray

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.lookup[rng.integers(0, LOOKUP_SLOTS, n)]


def choice(values, weights) -> Choice:
    cdf = _cumulative(weights)
    slots = (np.arange(LOOKUP_SLOTS) + 0.5) / LOOKUP_SLOTS
    lookup = np.minimum(np.searchsorted(cdf, slots, side="right"), len(cdf) - 1).astype(np.int32)
    return Choice(values, cdf, lookup)


@dataclass(frozen=True)
class FirstNames:
    names: np.ndarray          # all given names (str)
    folded: np.ndarray         # their ASCII forms
    initials: np.ndarray       # the first letter of the ASCII form
    groups: dict               # (sex, origin, era) -> Choice of indices into names


@dataclass(frozen=True)
class Surnames:
    masculine: np.ndarray
    feminine: np.ndarray
    masculine_folded: np.ndarray
    feminine_folded: np.ndarray
    by_origin: dict            # origin -> Choice of indices


@dataclass(frozen=True)
class Towns:
    town: np.ndarray
    powiat: np.ndarray
    voivodeship: np.ndarray
    population: np.ndarray     # thousands
    postal_first: np.ndarray   # int, 5 digits (00-001 -> 1)
    postal_last: np.ndarray
    choice: Choice


@dataclass(frozen=True)
class Population:
    age_from: np.ndarray       # per cell: band start (years)
    age_to: np.ndarray         # per cell: band end, inclusive
    male: np.ndarray           # per cell: bool
    choice: Choice             # of cells (band x sex)
    shares: np.ndarray         # probability of each cell


@functools.cache
def first_names() -> FirstNames:
    rows = _rows("first_names.csv")
    names = strings(r["name"] for r in rows)
    folded = strings(fold(r["name"]) for r in rows)
    groups = {}
    for sex in "MF":
        for origin in ORIGINS:
            idx = [i for i, r in enumerate(rows) if r["sex"] == sex and r["origin"] == origin]
            for era_no, era in enumerate(ERAS):
                weights = [float(rows[i][era]) for i in idx]
                groups[sex, origin, era_no] = choice(np.array(idx), weights)
    return FirstNames(names, folded, strings(f[:1] for f in folded), groups)


@functools.cache
def surnames() -> Surnames:
    rows = _rows("surnames.csv")
    by_origin = {}
    for origin in ORIGINS:
        idx = [i for i, r in enumerate(rows) if r["origin"] == origin]
        by_origin[origin] = choice(np.array(idx), [float(rows[i]["weight"]) for i in idx])
    return Surnames(
        masculine=strings(r["masculine"] for r in rows), feminine=strings(r["feminine"] for r in rows),
        masculine_folded=strings(fold(r["masculine"]) for r in rows),
        feminine_folded=strings(fold(r["feminine"]) for r in rows), by_origin=by_origin)


def _postal_int(code: str) -> int:
    return int(code.replace("-", ""))


@functools.cache
def towns() -> Towns:
    rows = _rows("towns.csv")
    population = np.array([float(r["population"]) for r in rows])
    return Towns(
        town=strings(r["town"] for r in rows), powiat=strings(r["powiat"] for r in rows),
        voivodeship=strings(r["voivodeship"] for r in rows), population=population,
        postal_first=np.array([_postal_int(r["postal_first"]) for r in rows]),
        postal_last=np.array([_postal_int(r["postal_last"]) for r in rows]),
        choice=choice(np.arange(len(rows)), population))


@functools.cache
def population() -> Population:
    rows = _rows("population.csv")
    age_from, age_to, male, weights = [], [], [], []
    for r in rows:
        for sex_male, column in ((True, "males"), (False, "females")):
            age_from.append(int(r["age_from"]))
            age_to.append(int(r["age_to"]))
            male.append(sex_male)
            weights.append(float(r[column]))
    weights = np.array(weights)
    return Population(np.array(age_from), np.array(age_to), np.array(male), choice(np.arange(len(weights)), weights),
                      weights / weights.sum())


@functools.cache
def shares() -> dict[str, float]:
    return {r["key"]: float(r["value"]) for r in _rows("shares.csv")}


@functools.cache
def streets() -> tuple[np.ndarray, Choice]:
    rows = _rows("streets.csv")
    names = strings(f"{r['prefix']} {r['name']}".strip() for r in rows)
    return names, choice(names, [float(r["weight"]) for r in rows])


def _simple_choice(name: str, column: str, converter=str) -> Choice:
    rows = _rows(name)
    values = [converter(r[column]) for r in rows]
    weights = [float(r["weight"]) for r in rows]
    return choice(strings(values) if converter is str else np.array(values), weights)


@functools.cache
def postal_codes() -> np.ndarray:
    """"NN-NNN" for every 5-digit number: postal codes are looked up, not formatted."""
    return strings(f"{i // 1000:02d}-{i % 1000:03d}" for i in range(100_000))


@functools.cache
def email_domains() -> Choice:
    return _simple_choice("email_domains.csv", "domain")


@functools.cache
def mobile_prefixes() -> Choice:
    return _simple_choice("mobile_prefixes.csv", "prefix", int)


@functools.cache
def specialty_weights() -> Choice:
    return _simple_choice("specialties.csv", "code")


@functools.cache
def specialty_code_list() -> dict[str, str]:
    """The national specialty codes klinika ships (code -> Polish name), from staff's migration."""
    module = importlib.import_module("klinika.staff.migrations.0002_specialty_code_list")
    return {code: name for code, name, _en in module.SPECIALTIES}
