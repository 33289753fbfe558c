"""Synthetic patients per second (issue 9): klinika's generator against Faker and Mimesis.

    python bench/synth_people.py [--patients 100000] [--faker 5000] [--mimesis 20000] [--seed 1] [--json FILE]

All three make the same fields for each patient: sex and birth date after Poland's age/sex
structure, a PESEL that fits them, first name and surname matched to sex, an address (street,
building, flat, postal code, town), a mobile number, an e-mail derived from the name (ASCII),
a passport instead of a PESEL for some foreigners, and a guardian (an adult of the population)
for each minor.

- klinika: `klinika.testdata.synth.generate_patients`, columnar numpy batches of 10,000. Measured
  twice: the batches alone (what an importer consumes), and the batches turned into one dict per
  patient (`PatientBatch.rows()`), the form the other two produce.
- Faker (pl_PL), row by row, the usual hand-written loop: `fake.pesel(...)`, `first_name_male()`
  and so on, one call per field.
- Mimesis (Locale.PL), row by row, its providers per field; Mimesis 22 has no PESEL, so the loop
  computes one by hand (serial + check digit), as a project using it would.

Faker and Mimesis run fewer patients (their rate does not depend on n); the ratios are records per
second, each the best of --repeats runs, with the libraries' set-up (Faker("pl_PL"), the Mimesis
providers, klinika's reference tables) outside the timing. Targets: at least 20x Faker and 3x
Mimesis. Mimesis is a bench-only tool (`pip install mimesis`), not a dependency of klinika.
Then the peak memory (tracemalloc) of klinika's generator for n/10 and n patients: flat in n
means about the same peak.
"""
import argparse
import datetime
import importlib.util
import json
import platform
import random
import sys
import time
import tracemalloc
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("klinika") is None:
    sys.path.insert(0, str(REPO / "src"))

REFERENCE_DATE = datetime.date(2026, 1, 1)
FOLD = str.maketrans({"ł": "l", "Ł": "L"})
EMAIL_DOMAINS = ["gmail.com", "wp.pl", "o2.pl", "onet.pl", "interia.pl"]


def fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.translate(FOLD)) if ch.isascii()).lower()


def age_cells():
    """(age_from, age_to, sex) cells and weights from the same population table klinika uses."""
    from klinika.testdata.synth import reference

    pop = reference.population()
    cells = [(int(a), int(b), "M" if m else "F") for a, b, m in zip(pop.age_from, pop.age_to, pop.male, strict=True)]
    return cells, pop.shares.tolist()


def birth_date(rnd, cell):
    age_from, age_to, _sex = cell
    days = int((age_from + rnd.random() * (age_to - age_from + 1)) * 365.2425)
    return REFERENCE_DATE - datetime.timedelta(days=days)


def is_minor(born: datetime.date) -> bool:
    return (REFERENCE_DATE - born).days < 18 * 365.2425


def klinika_batches(n, seed):
    from klinika.testdata.synth import generate_patients

    start, count = time.perf_counter(), 0
    for batch in generate_patients(n, seed=seed, reference_date=REFERENCE_DATE):
        count += len(batch)
    return count, time.perf_counter() - start


def klinika_rows(n, seed):
    from klinika.testdata.synth import generate_patients

    start, count = time.perf_counter(), 0
    for batch in generate_patients(n, seed=seed, reference_date=REFERENCE_DATE):
        for _row in batch.rows():
            count += 1
    return count, time.perf_counter() - start


def faker_rows(n, seed):
    from faker import Faker

    fake = Faker("pl_PL")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    cells, weights = age_cells()
    adults, rows = [], []
    start = time.perf_counter()
    for i in range(n):
        cell = rnd.choices(cells, weights)[0]
        sex = cell[2]
        born = birth_date(rnd, cell)
        foreign = rnd.random() < 0.034
        first = fake.first_name_male() if sex == "M" else fake.first_name_female()
        last = fake.last_name_male() if sex == "M" else fake.last_name_female()
        row = {
            "id": i, "sex": sex, "birth_date": born, "first_name": first, "last_name": last,
            "pesel": "" if foreign and rnd.random() < 0.3 else fake.pesel(
                date_of_birth=datetime.datetime.combine(born, datetime.time()), sex=sex),
            "address": {"street": fake.street_name(), "building": fake.building_number(),
                        "apartment": str(rnd.randint(1, 120)) if rnd.random() < 0.5 else "",
                        "postal_code": fake.postcode(), "city": fake.city(), "country": "PL"},
            "phone": fake.phone_number(),
            "email": f"{fold(first)}.{fold(last)}@{fake.free_email_domain()}",
        }
        row["document_number"] = "" if row["pesel"] else fake.bothify("??######").upper()
        if is_minor(born):
            row["guardian"] = rnd.choice(adults) if adults else None
        else:
            adults.append(i)
        rows.append(row)
    return len(rows), time.perf_counter() - start


def mimesis_rows(n, seed):
    from mimesis import Address, Gender, Locale, Person

    person = Person(Locale.PL, seed=seed)
    address = Address(Locale.PL, seed=seed)
    rnd = random.Random(seed)
    cells, weights = age_cells()
    adults, rows = [], []
    start = time.perf_counter()
    for i in range(n):
        cell = rnd.choices(cells, weights)[0]
        sex = cell[2]
        gender = Gender.MALE if sex == "M" else Gender.FEMALE
        born = birth_date(rnd, cell)
        foreign = rnd.random() < 0.034
        first, last = person.first_name(gender), person.last_name(gender)
        row = {
            "id": i, "sex": sex, "birth_date": born, "first_name": first, "last_name": last,
            "pesel": "" if foreign and rnd.random() < 0.3 else hand_pesel(rnd, born, sex),
            "address": {"street": address.street_name(), "building": address.street_number(),
                        "apartment": str(rnd.randint(1, 120)) if rnd.random() < 0.5 else "",
                        "postal_code": address.postal_code(), "city": address.city(), "country": "PL"},
            "phone": person.phone_number(mask="+48 ### ### ###"),
            "email": f"{fold(first)}.{fold(last)}@{rnd.choice(EMAIL_DOMAINS)}",
        }
        row["document_number"] = "" if row["pesel"] else "FX" + str(rnd.randint(100000, 999999))
        if is_minor(born):
            row["guardian"] = rnd.choice(adults) if adults else None
        else:
            adults.append(i)
        rows.append(row)
    return len(rows), time.perf_counter() - start


def hand_pesel(rnd, born, sex):
    month = born.month + (20 if born.year >= 2000 else 0)
    sex_digit = rnd.randrange(1, 10, 2) if sex == "M" else rnd.randrange(0, 10, 2)
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{rnd.randint(0, 999):03d}{sex_digit}"
    check = (10 - sum(int(d) * w for d, w in zip(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=True)) % 10) % 10
    return body + str(check)


def rate(func, n, seed, repeats):
    """Records per second, the best of `repeats` runs (set-up such as Faker("pl_PL") not timed)."""
    elapsed = min(func(n, seed)[1] for _ in range(repeats))
    return n / elapsed, elapsed


def peak_memory(n, seed):
    tracemalloc.start()
    klinika_batches(n, seed)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--faker", type=int, default=5_000, help="patients for Faker")
    parser.add_argument("--mimesis", type=int, default=20_000, help="patients for Mimesis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if importlib.util.find_spec("mimesis") is None:
        sys.exit("Mimesis is not installed: pip install mimesis (a bench-only tool, not a klinika dependency)")

    klinika_batches(10_000, args.seed)  # load the reference tables once, outside the timing
    results = {}
    for name, func, n in (("klinika batches", klinika_batches, args.patients),
                          ("klinika rows (dicts)", klinika_rows, args.patients),
                          ("Faker pl_PL", faker_rows, args.faker),
                          ("Mimesis pl", mimesis_rows, args.mimesis)):
        per_second, elapsed = rate(func, n, args.seed, args.repeats)
        results[name] = {"patients": n, "seconds": round(elapsed, 3), "per_second": round(per_second)}
        print(f"{name:22} {n:>9,} patients {elapsed:8.2f} s {per_second:>12,.0f} /s", flush=True)

    faker, mimesis = results["Faker pl_PL"]["per_second"], results["Mimesis pl"]["per_second"]
    print()
    for name in ("klinika batches", "klinika rows (dicts)"):
        ours = results[name]["per_second"]
        x_faker, x_mimesis = ours / faker, ours / mimesis
        verdict = "PASS" if x_faker >= 20 and x_mimesis >= 3 else "FAIL"
        results[name] |= {"x_faker": round(x_faker, 1), "x_mimesis": round(x_mimesis, 1), "verdict": verdict}
        print(f"{name:22} {x_faker:6.1f}x Faker (>= 20)  {x_mimesis:5.1f}x Mimesis (>= 3)  {verdict}")

    small, large = max(args.patients // 10, 1000), args.patients
    peaks = {n: peak_memory(n, args.seed) for n in (small, large)}
    print(f"\npeak memory (tracemalloc): {small:,} patients {peaks[small] / 1e6:.1f} MB, "
          f"{large:,} patients {peaks[large] / 1e6:.1f} MB, ratio {peaks[large] / peaks[small]:.2f}")
    results["peak_memory_bytes"] = {str(k): v for k, v in peaks.items()}
    results["python"] = platform.python_version()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
