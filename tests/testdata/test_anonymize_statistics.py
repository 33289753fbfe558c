"""Statistics survive anonymization of the generated 600-patient clinic (k = 5; 9-10 % of
patients suppressed, since 600 people spread over all of Poland leave small groups). The run
secret is random, so the suppressed set varies from run to run; the tolerances hold with margin
over the largest difference measured in 30 runs (in brackets: mean / largest):

- age/sex structure, 10 cells (sex x 20-year age band): every cell within 3.5 percentage
  points (1.9 / 2.3 pp; the girls 0-19 lose most, their rare birth years fall in small
  groups); female share within 2 pp (0.5 / 1.1 pp); mean age within 1.5 years (0.4 / 0.7);
- visits per patient within 3 % (0.8 / 1.2 %);
- no-show rate within 0.5 pp (0.07 / 0.16 pp);
- appointment lead times (booked -> start): the median within 1 day (a patient's dates move
  together, so each lead time survives exactly).
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
    assert max(abs(before.get(c, 0) - after.get(c, 0)) for c in before.keys() | after.keys()) <= 0.035

    def female(ps):
        return sum(p["sex"] == "F" for p in ps) / len(ps)

    def mean_age(ps):
        return statistics.fmean(_age(p["birth_date"]) for p in ps)

    assert abs(female(source["patients"]) - female(records["patients"])) <= 0.02
    assert abs(mean_age(source["patients"]) - mean_age(records["patients"])) <= 1.5

    visits_before = len(source["appointments"]) / len(source["patients"])
    visits_after = len(records["appointments"]) / len(records["patients"])
    assert abs(visits_after / visits_before - 1) <= 0.03

    def no_show(appointments):
        return sum(a["status"] == "no_show" for a in appointments) / len(appointments)

    assert abs(no_show(source["appointments"]) - no_show(records["appointments"])) <= 0.005
    assert abs(_lead_days(source["appointments"]) - _lead_days(records["appointments"])) <= 1.0
