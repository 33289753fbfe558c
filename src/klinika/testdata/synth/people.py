"""Synthetic patients, generated a batch at a time from a seed: no database, no real persons.

generate_patients(n, seed=...) yields PatientBatch objects of about `batch_size` people. Every
draw for a batch is one numpy call over the whole batch, so the cost per person is a few array
operations, and memory depends on the batch size, not on n. Within a batch the adults come
first and every minor's guardian is an adult of the same batch, so a guardian's id is always
lower than the ward's: an importer that stores the ids in order has every guardian before it
needs it. The same seed, n, batch size and reference date give the same people.
"""
import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import numpy as np

from klinika.testdata.synth import numbers, reference

ADULT_AGE = 18
DAYS_PER_YEAR = 365.2425
ORIGIN_CODES = {origin: n for n, origin in enumerate(reference.ORIGINS)}
ORIGIN_NAMES = reference.strings(reference.ORIGINS)
FOREIGN_ORIGINS = ("ua", "by", "vn")
PASSPORT_COUNTRY = reference.strings(["", "UA", "BY", "VN", ""])
# Passport number shapes of the issuing countries: letters, then this many digits.
PASSPORT_LETTERS = reference.strings(["", "FX", "MP", "C", ""])
LETTERS = reference.strings(["A", "B", "C"])
RELATIONS = reference.strings(["", "mother", "father"])
SEXES = reference.strings(["F", "M"])
DOCUMENT_TYPES = reference.strings(["", "passport"])
PASSPORT_DIGITS = np.array([0, 6, 7, 7, 0])


@dataclass
class PatientBatch:
    """Columns of one batch; row i of every array is one person. Empty strings mean "none"."""
    id: np.ndarray                 # int64, 0-based over the whole generation
    sex: np.ndarray                # "M" / "F"
    birth_date: np.ndarray         # datetime64[D]
    origin: np.ndarray             # "pl", "ua", "by", "vn", "de" (where the names come from)
    pesel: np.ndarray              # 11 digits, the mother's for a newborn without one, "" for passport holders
    pesel_is_mothers: np.ndarray   # bool
    first_name: np.ndarray
    last_name: np.ndarray
    document_type: np.ndarray      # "passport" or ""
    document_country: np.ndarray
    document_number: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    street: np.ndarray
    building: np.ndarray
    apartment: np.ndarray
    postal_code: np.ndarray
    city: np.ndarray
    powiat: np.ndarray
    voivodeship: np.ndarray
    guardian: np.ndarray           # int64 id of the guardian, -1 for adults
    guardian_relation: np.ndarray  # "mother" / "father" / ""

    def __len__(self) -> int:
        return len(self.id)

    def rows(self) -> Iterator[dict]:
        """The people as the registration desk's input (patients.cleaning.clean_patient_data),
        plus "id", "guardian" (an id, or None), "origin", "powiat" and "voivodeship"."""
        guardian = np.where(self.guardian >= 0, self.guardian.astype(object), None)
        columns = [guardian.tolist() if name == "guardian" else getattr(self, name).tolist() for name in ROW_FIELDS]
        address = [getattr(self, name).tolist() for name in ADDRESS_FIELDS] + [["PL"] * len(self.id)]
        for values, home in zip(zip(*columns, strict=True), zip(*address, strict=True), strict=True):
            row = dict(zip(ROW_FIELDS, values, strict=True))
            row["address"] = dict(zip(ADDRESS_KEYS, home, strict=True))
            yield row


ADDRESS_FIELDS = ("street", "building", "apartment", "postal_code", "city")
ADDRESS_KEYS = (*ADDRESS_FIELDS, "country")
ROW_FIELDS = tuple(f.name for f in fields(PatientBatch) if f.name not in ADDRESS_FIELDS)


def generate_patients(n: int, *, seed: int, batch_size: int = 10_000, reference_date: datetime.date | None = None,
                      email_domains: Sequence[str] | None = None) -> Iterator[PatientBatch]:
    """n people in batches of about batch_size (the last one takes up a short remainder).

    E-mails go to the providers Poles use (gmail.com, wp.pl, ...) unless `email_domains` names
    others, e.g. reserved ones ("example.com") for an environment that really sends mail."""
    if n < 0 or batch_size < 1:
        raise ValueError("n must be >= 0 and batch_size >= 1")
    domains = (reference.email_domains() if email_domains is None
               else reference.choice(reference.strings(email_domains), [1.0] * len(email_domains)))
    today = np.datetime64(reference_date or datetime.date.today(), "D")
    pesels = numbers.PeselAllocator(seed)
    start, batch_no = 0, 0
    while start < n:
        size = min(batch_size, n - start)
        if n - start - size < batch_size // 2:
            size = n - start
        yield _batch(np.random.default_rng([seed, batch_no]), start, size, today, pesels, seed, domains)
        start += size
        batch_no += 1


def _batch(rng, start, n, today, pesels, seed, domains) -> PatientBatch:
    share = reference.shares()
    pop = reference.population()

    # Sex and age after the population table; a birth day uniform within the 5-year band.
    cell = pop.choice.draw(rng, n)
    male = pop.male[cell]
    span = (pop.age_to[cell] - pop.age_from[cell] + 1) * DAYS_PER_YEAR
    age_days = (pop.age_from[cell] * DAYS_PER_YEAR + rng.random(n) * span).astype(np.int64)
    birth = today - age_days
    year, month, day = numbers.split_date(birth)
    age = _age_years(year, month, day, today)

    # Adults first: a ward's guardian then always has a lower id.
    order = np.argsort(age < ADULT_AGE, kind="stable")
    male, birth, age, age_days, year = male[order], birth[order], age[order], age_days[order], year[order]
    minor = age < ADULT_AGE
    adults = int((~minor).sum())

    origin = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    edge = 0.0
    for name in ("ua", "by", "vn", "de"):
        rate = share[f"origin_{name}"]
        origin[(u >= edge) & (u < edge + rate)] = ORIGIN_CODES[name]
        edge += rate
    foreign = np.isin(origin, [ORIGIN_CODES[o] for o in FOREIGN_ORIGINS])
    passport_only = foreign & (rng.random(n) < share["foreign_passport_only"])

    surname, second = _surnames(rng, origin, male, age, share)

    # Babies too young for a PESEL of their own are recorded with the mother's.
    no_pesel_yet = minor & ((age_days < share["newborn_days_without_pesel"])
                            | ((age_days < share["newborn_days_maybe_pesel"]) & (rng.random(n) < 0.5)))
    guardian, relation_mother = _guardians(rng, minor, no_pesel_yet, male, birth, passport_only, adults, share)
    wards = np.flatnonzero(minor)
    parent = guardian[wards]
    origin[wards] = origin[parent]
    passport_only[wards] = passport_only[parent] & ~no_pesel_yet[wards]
    same_surname = rng.random(len(wards)) < share["ward_same_surname"]
    # A double-barrelled parent (mostly a mother: maiden-married) passes on the family part.
    parent_surname = np.where(second[parent] >= 0, second[parent], surname[parent])
    own = draw_surnames(rng, origin[wards])
    surname[wards] = np.where(same_surname, parent_surname, own)
    second[wards] = -1

    first_name, first_index = first_names_for(rng, origin, male, year)
    last_name, last_folded = last_names_for(surname, second, male)

    address = _addresses(rng, n)
    same_home = wards[rng.random(len(wards)) < share["ward_same_address"]]
    for values in address.values():
        values[same_home] = values[guardian[same_home]]

    has_pesel = ~passport_only & ~no_pesel_yet
    pesel = np.full(n, "", dtype="U11")
    pesel[has_pesel] = pesels.allocate(birth[has_pesel], male[has_pesel])
    newborns = np.flatnonzero(no_pesel_yet)
    pesel[newborns] = pesel[guardian[newborns]]

    ids = np.arange(start, start + n, dtype=np.int64)
    document_type, document_country, document_number = _passports(passport_only, origin, ids, seed)
    phone = _phones(rng, age, ids, seed)
    email = _emails(rng, age, first_index, last_folded, year, domains)

    guardian_id = np.where(minor, guardian + start, -1)
    relation = RELATIONS[np.where(minor, np.where(relation_mother, 1, 2), 0)]
    return PatientBatch(
        id=ids, sex=SEXES[male.astype(np.int64)], birth_date=birth, origin=ORIGIN_NAMES[origin],
        pesel=pesel, pesel_is_mothers=no_pesel_yet.copy(), first_name=first_name, last_name=last_name,
        document_type=document_type, document_country=document_country, document_number=document_number,
        phone=phone, email=email, guardian=guardian_id, guardian_relation=relation, **_address_strings(address))


def _age_years(year, month, day, today):
    t_year, t_month, t_day = numbers.split_date(np.array([today]))
    before_birthday = (month * 100 + day) > (t_month[0] * 100 + t_day[0])
    return t_year[0] - year - before_birthday


def draw_surnames(rng, origin):
    result = np.zeros(len(origin), dtype=np.int64)
    for code, name in enumerate(reference.ORIGINS):
        mask = origin == code
        count = int(mask.sum())
        if count:
            table = reference.surnames().by_origin[name]
            result[mask] = table.values[table.draw(rng, count)]
    return result


def _surnames(rng, origin, male, age, share):
    """Surname indices, and a second one (or -1) for a double-barrelled Polish surname."""
    surname = draw_surnames(rng, origin)
    polish = origin == ORIGIN_CODES["pl"]
    rate = np.where(age < 20, share["double_barrelled_other"],
                    np.where(male, share["double_barrelled_male_adult"], share["double_barrelled_female_adult"]))
    double = polish & (age >= ADULT_AGE) & (rng.random(len(origin)) < rate)
    second = np.full(len(origin), -1, dtype=np.int64)
    second[double] = draw_surnames(rng, origin[double])
    clash = double & (second == surname)
    second[clash] = -1
    return surname, second


def _guardians(rng, minor, no_pesel_yet, male, birth, passport_only, adults, share):
    """A guardian for each minor: an adult of the batch born about a generation earlier."""
    guardian = np.full(len(minor), -1, dtype=np.int64)
    mother = no_pesel_yet | (rng.random(len(minor)) < share["guardian_mother"])
    day = (birth - numbers.EPOCH).astype(np.int64)
    adult = np.zeros(len(minor), dtype=bool)
    adult[:adults] = True
    gap_years = np.where(mother, rng.normal(29, 5, len(minor)).clip(19, 45), rng.normal(32, 6, len(minor)).clip(20, 55))
    target = day - gap_years * DAYS_PER_YEAR
    latest = day - int(16 * DAYS_PER_YEAR)
    pools = {
        "mother_pesel": np.flatnonzero(adult & ~male & ~passport_only),
        "mother": np.flatnonzero(adult & ~male),
        "father": np.flatnonzero(adult & male),
    }
    wanted = {
        "mother_pesel": minor & no_pesel_yet,
        "mother": minor & mother & ~no_pesel_yet,
        "father": minor & ~mother,
    }
    for name, who in wanted.items():
        wards = np.flatnonzero(who)
        if not len(wards):
            continue
        # A tiny batch may lack adults of one sex: any adult will then do (a newborn still needs
        # a mother with a PESEL, so it has no such fallback).
        pool = pools[name] if len(pools[name]) or name == "mother_pesel" else np.flatnonzero(adult)
        chosen = _nearest_older(pool, day, target[wards], latest[wards])
        if (chosen < 0).any():
            raise ValueError("too few adults in a batch to give every minor a guardian: use a larger batch")
        guardian[wards] = chosen
        mother[wards] = ~male[chosen]
    return guardian, mother


def _nearest_older(pool, day, target, latest):
    """For each ward, the pool member born nearest `target` but not after `latest` (-1 if none)."""
    pool_day = day[pool]
    order = np.argsort(pool_day, kind="stable")
    sorted_day, sorted_pool = pool_day[order], pool[order]
    pos = np.searchsorted(sorted_day, target)
    before = (pos - 1).clip(0, len(pool) - 1)
    after = pos.clip(0, len(pool) - 1)
    nearest = np.where(np.abs(sorted_day[before] - target) <= np.abs(sorted_day[after] - target), before, after)
    bound = np.searchsorted(sorted_day, latest, side="right") - 1
    pick = np.minimum(nearest, bound)
    return np.where(pick >= 0, sorted_pool[pick.clip(0)], -1)


def first_names_for(rng, origin, male, year):
    table = reference.first_names()
    era = np.where(year < 1960, 0, np.where(year < 1990, 1, 2))
    chosen = np.zeros(len(origin), dtype=np.int64)
    group = (male.astype(np.int64) * len(reference.ORIGINS) + origin) * 3 + era
    for code in np.unique(group).tolist():
        mask = group == code
        sex = "M" if code // 3 // len(reference.ORIGINS) else "F"
        origin_name = reference.ORIGINS[code // 3 % len(reference.ORIGINS)]
        group_choice = table.groups[sex, origin_name, code % 3]
        chosen[mask] = group_choice.values[group_choice.draw(rng, int(mask.sum()))]
    return table.names[chosen], chosen


def last_names_for(surname, second, male):
    table = reference.surnames()
    name = np.where(male, table.masculine[surname], table.feminine[surname])
    folded = np.where(male, table.masculine_folded[surname], table.feminine_folded[surname])
    double = np.flatnonzero(second >= 0)
    if len(double):
        part = second[double]
        name_2 = np.where(male[double], table.masculine[part], table.feminine[part])
        folded_2 = np.where(male[double], table.masculine_folded[part], table.feminine_folded[part])
        name[double] = name[double] + "-" + name_2
        folded[double] = folded[double] + "-" + folded_2
    return name, folded


def _addresses(rng, n):
    towns = reference.towns()
    town = towns.choice.draw(rng, n)
    first, last = towns.postal_first[town], towns.postal_last[town]
    postal = first + (rng.random(n) * (last - first + 1)).astype(np.int64)
    street = reference.streets()[1].draw(rng, n)
    building = np.exp(rng.random(n) * np.log(160)).astype(np.int64)
    letter = np.where(rng.random(n) < 0.08, rng.integers(0, 3, n), -1)
    population = towns.population[town]
    flat_share = np.where(population >= 100, 0.75, np.where(population >= 20, 0.55, 0.3))
    apartment = np.where(rng.random(n) < flat_share, rng.integers(1, 121, n), 0)
    return {"town": town, "postal": postal, "street": street, "building": building, "letter": letter,
            "apartment": apartment}


def _address_strings(address) -> dict:
    towns = reference.towns()
    town = address["town"]
    postal_code = reference.postal_codes()[address["postal"]]
    building = reference.number_strings(1, 1000)[address["building"]]
    lettered = np.flatnonzero(address["letter"] >= 0)
    building[lettered] = building[lettered] + LETTERS[address["letter"][lettered]]
    apartment = np.where(address["apartment"] > 0, reference.number_strings(1, 1000)[address["apartment"]], "")
    return {"street": reference.streets()[0][address["street"]], "building": building, "apartment": apartment,
            "postal_code": postal_code, "city": towns.town[town], "powiat": towns.powiat[town],
            "voivodeship": towns.voivodeship[town]}


def _passports(passport_only, origin, ids, seed):
    n = len(ids)
    document_type = DOCUMENT_TYPES[passport_only.astype(np.int64)]
    country = np.where(passport_only, PASSPORT_COUNTRY[origin], "")
    number = np.full(n, "", dtype=object)
    holders = np.flatnonzero(passport_only)
    if len(holders):
        width = PASSPORT_DIGITS[origin[holders]]
        serial = np.where(width == 7, numbers.permute(ids[holders], 10**7, seed),
                          numbers.permute(ids[holders], 10**6, seed))
        digits = np.where(width == 7, numbers.zero_padded(serial, 7), numbers.zero_padded(serial, 6)).astype(object)
        number[holders] = PASSPORT_LETTERS[origin[holders]] + digits
    return document_type, country, number


def _phones(rng, age, ids, seed):
    n = len(age)
    share = np.where(age < 10, 0.0, np.where(age < ADULT_AGE, 0.5, np.where(age < 80, 0.95, 0.7)))
    has = rng.random(n) < share
    prefix = reference.mobile_prefixes().values[reference.mobile_prefixes().draw(rng, n)]
    phone = np.full(n, "", dtype=object)
    phone[has] = numbers.mobile_numbers(prefix[has], ids[has], seed)
    return phone


EMAIL_STYLES = 7


def _emails(rng, age, first_index, last, year, domains):
    n = len(age)
    share = np.where(age < 13, 0.0, np.where(age < ADULT_AGE, 0.35, np.where(age < 70, 0.75, 0.3)))
    holders = np.flatnonzero(rng.random(n) < share)
    style = rng.integers(0, EMAIL_STYLES, len(holders))
    names = reference.first_names()
    first, initial, last = names.folded[first_index[holders]], names.initials[first_index[holders]], last[holders]
    years = year[holders] % 100
    counter = rng.integers(1, 1000, len(holders))
    parts = {
        0: lambda m: first[m] + "." + last[m],
        1: lambda m: first[m] + last[m],
        2: lambda m: initial[m] + "." + last[m],
        3: lambda m: first[m] + "." + last[m] + reference.number_strings(2, 100)[years[m]],
        4: lambda m: first[m] + "_" + last[m],
        5: lambda m: last[m] + "." + first[m],
        6: lambda m: first[m] + last[m] + reference.number_strings(1, 1000)[counter[m]],
    }
    local = np.empty(len(holders), dtype=object)
    for code, build in parts.items():
        mask = style == code
        if mask.any():
            local[mask] = build(mask)
    email = np.full(n, "", dtype=object)
    email[holders] = local + ("@" + domains.values[domains.draw(rng, len(holders))])
    return email
