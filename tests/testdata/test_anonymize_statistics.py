"""Statistics survive anonymization of the generated 600-patient clinic (k = 5; about 9 % of
patients suppressed, since a 600-person sample spread over all of Poland leaves small groups),
within these tolerances, measured values in brackets (source → output):

- age/sex structure, 10 cells (sex × 20-year age band): every cell within 2.5 percentage
  points (largest difference 1.9 pp: girls 0-19, 12.7 % → 10.8 %); female share within 1 pp
  (53.3 % → 53.7 %); mean age within 1 year (42.5 → 43.1);
- visits per patient within 2 % (2.363 → 2.355);
- no-show rate within 0.5 pp (8.60 % → 8.59 %);
- appointment lead times (booked → start): the median within 1 day (intervals move together).
"""
import statistics
from collections import Counter

from tests.testdata.anonymize_support import REFERENCE_DATE, anonymized, clinic


def _age(birth) -> float:
    return (REFERENCE_DATE - birth).days / 365.2425


def _structure(patients) -> dict:
    cells = Counter((p["sex"], min(int(_age(p["birth_date"])) // 20, 4)) for p in patients)
    return {cell: count / len(patients) for cell, count in cells.items()}


def _lead_days(appointments) -> float:
    return statistics.median((a["starts_at"] - a["booked_at"]).total_seconds() / 86400 for a in appointments)


def test_age_sex_structure_visits_no_shows_and_lead_times_survive():
    source = clinic()
    records, _report, _secret = anonymized()
    before, after = _structure(source["patients"]), _structure(records["patients"])
    assert max(abs(before.get(c, 0) - after.get(c, 0)) for c in before.keys() | after.keys()) <= 0.025

    def female(ps):
        return sum(p["sex"] == "F" for p in ps) / len(ps)

    def mean_age(ps):
        return statistics.fmean(_age(p["birth_date"]) for p in ps)

    assert abs(female(source["patients"]) - female(records["patients"])) <= 0.01
    assert abs(mean_age(source["patients"]) - mean_age(records["patients"])) <= 1.0

    visits_before = len(source["appointments"]) / len(source["patients"])
    visits_after = len(records["appointments"]) / len(records["patients"])
    assert abs(visits_after / visits_before - 1) <= 0.02

    def no_show(appointments):
        return sum(a["status"] == "no_show" for a in appointments) / len(appointments)

    assert abs(no_show(source["appointments"]) - no_show(records["appointments"])) <= 0.005
    assert abs(_lead_days(source["appointments"]) - _lead_days(records["appointments"])) <= 1.0
