"""Addresses generalised, and quasi-identifiers generalised step by step until every group of
patients who share them has at least k members (the rest suppressed)."""
import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from klinika.testdata.synth import reference

# A town below this many thousand inhabitants is named by its powiat's seat instead.
TINY_TOWN_THOUSANDS = 10.0
# ICD-10 chapters by the first code of each, in code order (chapter XXII, U, sits between T and V).
_CHAPTERS = (("A00", "I"), ("C00", "II"), ("D50", "III"), ("E00", "IV"), ("F00", "V"), ("G00", "VI"),
             ("H00", "VII"), ("H60", "VIII"), ("I00", "IX"), ("J00", "X"), ("K00", "XI"), ("L00", "XII"),
             ("M00", "XIII"), ("N00", "XIV"), ("O00", "XV"), ("P00", "XVI"), ("Q00", "XVII"), ("R00", "XVIII"),
             ("S00", "XIX"), ("U00", "XXII"), ("V01", "XX"), ("Z00", "XXI"))
# Poland's NUTS-1 macroregions, the coarsest location released.
MACROREGIONS = {
    "małopolskie": "południowy", "śląskie": "południowy", "lubelskie": "wschodni", "podkarpackie": "wschodni",
    "podlaskie": "wschodni", "świętokrzyskie": "wschodni", "lubuskie": "północno-zachodni",
    "wielkopolskie": "północno-zachodni", "zachodniopomorskie": "północno-zachodni",
    "dolnośląskie": "południowo-zachodni", "opolskie": "południowo-zachodni", "kujawsko-pomorskie": "północny",
    "pomorskie": "północny", "warmińsko-mazurskie": "północny", "łódzkie": "centralny",
    "mazowieckie": "mazowiecki"}
# The order in which fields are coarsened, each step one level of one field.
STEPS = (("document_country", 1), ("diagnoses", 1), ("birth_year", 1), ("birth_year", 2), ("location", 1),
         ("diagnoses", 2), ("location", 2), ("birth_year", 3))
LEVELS = {"birth_year": ("year", "5-year band", "10-year band", "20-year band"),
          "location": ("postal prefix and town", "voivodeship", "macroregion (NUTS 1)"),
          "document_country": ("passport country", "removed"),
          "diagnoses": ("rare codes as such", "rare codes as ICD-10 chapter", "rare codes removed")}


def icd10_chapter(code: str) -> str:
    head = code.strip().upper()[:3]
    chapter = _CHAPTERS[0][1]
    for first, name in _CHAPTERS:
        if head >= first:
            chapter = name
    return f"ICD-10 {chapter}"


@functools.cache
def _towns() -> dict:
    towns = reference.towns()
    by_name, seats, prefix_voivodeship = {}, {}, {}
    for i, name in enumerate(towns.town.tolist()):
        powiat, voivodeship, population = towns.powiat[i], towns.voivodeship[i], float(towns.population[i])
        by_name[name] = ((powiat, voivodeship), voivodeship, population)
        # Powiat names repeat across voivodeships (brzeski, średzki …): the pair names one.
        if (powiat, voivodeship) not in seats or seats[powiat, voivodeship][1] < population:
            seats[powiat, voivodeship] = (name, population)
        for prefix in range(int(towns.postal_first[i]) // 1000, int(towns.postal_last[i]) // 1000 + 1):
            prefix_voivodeship.setdefault(f"{prefix:02d}", Counter())[voivodeship] += population
    return {"towns": by_name, "seats": {p: s[0] for p, s in seats.items()},
            "prefix": {p: c.most_common(1)[0][0] for p, c in prefix_voivodeship.items()}}


def generalise_address(person: Mapping) -> dict:
    """Town (a tiny one replaced by its powiat's seat), postal prefix ("31-xxx"), voivodeship;
    street, building and apartment dropped."""
    address = person.get("address") or {}
    table = _towns()
    city = (address.get("city") or "").strip()
    postal = (address.get("postal_code") or "").strip()
    prefix = postal[:2] if postal[:2].isdigit() else ""
    known = table["towns"].get(city)
    voivodeship = person.get("voivodeship") or (known[1] if known else table["prefix"].get(prefix, ""))
    if known is None:
        city = ""  # a town not in the reference list may be a village of a few hundred people
    elif known[2] < TINY_TOWN_THOUSANDS:
        city = table["seats"].get(known[0], "")
    return {"postal_code": f"{prefix}-xxx" if prefix else "", "city": city,
            "country": address.get("country") or "PL", "voivodeship": voivodeship}


def _birth(year: int, level: int) -> str:
    if level == 0:
        return str(year)
    width = {1: 5, 2: 10}.get(level, 20)
    start = year - year % width
    return f"{start}-{start + width - 1}"


@dataclass
class KAnonymity:
    """The quasi-identifiers of every patient, the levels reached and who is suppressed."""
    k: int
    rare_below: int
    max_suppressed_share: float = 0.01
    levels: dict = field(default_factory=lambda: {"birth_year": 0, "location": 0, "diagnoses": 0,
                                                  "document_country": 0})
    rows: list = field(default_factory=list)   # (birth year, sex, address dict, diagnoses tuple, country)
    code_counts: Counter = field(default_factory=Counter)

    def add(self, birth_year: int, sex: str, address: Mapping, diagnoses, country: str = "") -> int:
        codes = tuple(sorted({c.strip().upper() for c in diagnoses or () if c and c.strip()}))
        self.code_counts.update(codes)
        self.rows.append((birth_year, sex, address, codes, country or ""))
        return len(self.rows) - 1

    def _codes(self, codes: tuple) -> tuple[tuple, tuple]:
        """(the codes released, the rare part that is a quasi-identifier) at the current level."""
        level = self.levels["diagnoses"]
        released, rare = [], []
        for code in codes:
            if self.code_counts[code] >= self.rare_below:
                released.append(code)
            elif level == 0:
                released.append(code)
                rare.append(code)
            elif level == 1:
                released.append(icd10_chapter(code))
                rare.append(icd10_chapter(code))
        return tuple(dict.fromkeys(released)), tuple(sorted(set(rare)))

    def released(self, i: int) -> dict:
        birth_year, sex, address, codes, country = self.rows[i]
        out = {"birth_year": _birth(birth_year, self.levels["birth_year"]), "sex": sex,
               "diagnoses": list(self._codes(codes)[0]),
               "document_country": country if self.levels["document_country"] == 0 else ""}
        level = self.levels["location"]
        if level == 0:
            out["address"] = dict(address)
        else:
            out["address"] = {"postal_code": "", "city": "", "country": address.get("country", "PL"),
                              "voivodeship": address.get("voivodeship", "") if level == 1 else "",
                              "macroregion": MACROREGIONS.get(address.get("voivodeship", ""), "")}
        return out

    def key(self, i: int) -> tuple:
        birth_year, sex, address, codes, country = self.rows[i]
        level = self.levels["location"]
        location = ((address.get("postal_code"), address.get("city")) if level == 0
                    else address.get("voivodeship") if level == 1
                    else MACROREGIONS.get(address.get("voivodeship", ""), ""))
        country = country if self.levels["document_country"] == 0 else ""
        return _birth(birth_year, self.levels["birth_year"]), sex, location, self._codes(codes)[1], country

    def _small(self) -> list[int]:
        keys = [self.key(i) for i in range(len(self.rows))]
        sizes = Counter(keys)
        return [i for i, key in enumerate(keys) if sizes[key] < self.k]

    def solve(self) -> tuple[set[int], dict]:
        """Coarsen step by step until the records in groups below k are few enough to suppress
        (at most `max_suppressed_share`, or whatever is left after the last step). Returns the
        suppressed row numbers and the report."""
        steps = []
        small = self._small()
        for name, level in STEPS:
            if len(small) <= self.max_suppressed_share * len(self.rows):
                break
            if (name == "diagnoses" and not self.code_counts) or (
                    name == "document_country" and not any(row[4] for row in self.rows)):
                continue
            self.levels[name] = level
            small = self._small()
            steps.append({"field": name, "to": LEVELS[name][level], "records_in_small_groups": len(small)})
        suppressed = set(small)
        sizes = Counter(self.key(i) for i in range(len(self.rows)) if i not in suppressed)
        report = {
            "k": self.k, "k_achieved": min(sizes.values()) if sizes else None, "groups": len(sizes),
            "patients_in": len(self.rows), "patients_suppressed": len(suppressed),
            "steps": steps,
            "fields": {name: LEVELS[name][level] for name, level in self.levels.items()},
            "rare_code_threshold": self.rare_below,
        }
        return suppressed, report
