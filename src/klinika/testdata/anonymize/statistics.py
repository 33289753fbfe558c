"""What a test environment's users measure, computed the same way on the source and on the dataset,
so the anonymizer's report can say how far each statistic moved (issue 9: "statistics survive
within stated tolerances").

Records are klinika-records/v1 (dates as date/datetime or ISO strings). One pass, streaming: a
Statistics takes records one at a time and keeps counters only (a few numbers per patient).

Tolerances, and why they are what they are:
- age/sex structure (shares per sex and ten-year band): total variation distance at most
  s + 0.03 + 1/sqrt(n), n the source's patients and s the share k-anonymity suppressed
  (removing a share s of the people moves the shares by at most s); birth dates move by up to
  180 days, so about 2.5 % of people cross a band's edge, which cancel on average and leave
  noise that shrinks as 1/sqrt(n) (0.071 + s for 600 patients, 0.033 + s for 100,000);
- visits per patient (completed visits over patients): within 5 %;
- appointment lead time (days from booking to visit; median and 90th percentile): within 1 day:
  booking and visit move by the same per-patient offset, so only suppression can move it;
- no-show rate (no-shows over completed and no-shows): within 1 percentage point;
- top diagnoses per specialty (the 5 commonest main diagnoses of each specialty's visits): at
  least 4 of the 5 the same, and each shared code's share within 3 percentage points. Rare codes
  may be generalised or dropped with their patients; the common ones must survive.
"""
import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

BAND_YEARS = 10
TOP = 5
TOLERANCES = {"age_sex_tvd": 0.03, "visits_per_patient_rel": 0.05, "lead_time_days": 1.0, "no_show_rate": 0.01,
              "top_diagnoses_shared": 4, "top_diagnosis_share": 0.03}


def _date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _moment(value) -> datetime.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _main_code(content: Mapping) -> str | None:
    diagnoses = (content or {}).get("diagnoses") or []
    for entry in diagnoses:
        if isinstance(entry, Mapping) and entry.get("main"):
            return entry.get("code")
    first = diagnoses[0] if diagnoses else None
    return first.get("code") if isinstance(first, Mapping) else first


class Statistics:
    """Counters over one clinic's records; `summary()` gives the numbers compared."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.age_sex: Counter = Counter()
        self.patients = 0
        self.specialty_of: dict = {}
        self.completed = 0
        self.no_shows = 0
        self.lead_days: list[float] = []
        self.diagnoses: dict[str, Counter] = defaultdict(Counter)

    def add_staff(self, member: Mapping) -> None:
        specialties = member.get("specialties") or []
        first = specialties[0] if specialties else None
        self.specialty_of[member["id"]] = (first.get("code") if isinstance(first, Mapping) else first) or "-"

    def add_patient(self, person: Mapping) -> None:
        birth = _date(person.get("birth_date"))
        if birth is None:
            return
        band = min(_age(birth, self.today) // BAND_YEARS, 9)
        self.age_sex[(person.get("sex") or "?", band)] += 1
        self.patients += 1

    def add_appointment(self, appointment: Mapping) -> None:
        status = appointment.get("status")
        if status == "completed":
            self.completed += 1
        elif status == "no_show":
            self.no_shows += 1
        booked, starts = _moment(appointment.get("booked_at")), _moment(appointment.get("starts_at"))
        if booked is not None and starts is not None and status != "cancelled":
            self.lead_days.append((starts - booked).total_seconds() / 86400)

    def add_encounter(self, encounter: Mapping) -> None:
        code = _main_code(encounter.get("content") or {})
        if code:
            self.diagnoses[self.specialty_of.get(encounter.get("practitioner"), "-")][code] += 1

    def feed(self, records: Mapping[str, Iterable[Mapping]]) -> "Statistics":
        for member in records.get("staff", ()):
            self.add_staff(member)
        for person in records.get("patients", ()):
            self.add_patient(person)
        for appointment in records.get("appointments", ()):
            self.add_appointment(appointment)
        for encounter in records.get("encounters", ()):
            self.add_encounter(encounter)
        return self

    def summary(self) -> dict:
        lead = np.asarray(self.lead_days) if self.lead_days else np.zeros(1)
        seen = self.completed + self.no_shows
        return {
            "patients": self.patients,
            "age_sex": {f"{sex}:{band * BAND_YEARS}-{band * BAND_YEARS + BAND_YEARS - 1}": n / max(self.patients, 1)
                        for (sex, band), n in sorted(self.age_sex.items())},
            "visits_per_patient": self.completed / max(self.patients, 1),
            "lead_time_days": {"median": float(np.median(lead)), "p90": float(np.percentile(lead, 90))},
            "no_show_rate": self.no_shows / seen if seen else 0.0,
            "top_diagnoses": {specialty: {code: n / sum(codes.values()) for code, n in codes.most_common(TOP)}
                              for specialty, codes in sorted(self.diagnoses.items())},
        }


def compare(source: dict, dataset: dict) -> dict:
    """Each statistic of the source and of the dataset, how far it moved, its tolerance, and whether it held."""
    keys = set(source["age_sex"]) | set(dataset["age_sex"])
    tvd = sum(abs(source["age_sex"].get(k, 0) - dataset["age_sex"].get(k, 0)) for k in keys) / 2
    suppressed = max(0.0, 1 - dataset["patients"] / max(source["patients"], 1))
    tvd_tolerance = round(suppressed + TOLERANCES["age_sex_tvd"] + 1 / math.sqrt(max(source["patients"], 1)), 4)
    visits_rel = (abs(dataset["visits_per_patient"] - source["visits_per_patient"])
                  / max(source["visits_per_patient"], 1e-9))
    lead = {q: abs(dataset["lead_time_days"][q] - source["lead_time_days"][q]) for q in ("median", "p90")}
    no_show = abs(dataset["no_show_rate"] - source["no_show_rate"])
    # Suppressing a fraction s of the patients can move any share by up to s / (1 - s) on its own, so the
    # share tolerance grows with what was suppressed, as the age/sex tolerance does.
    share_tolerance = round(TOLERANCES["top_diagnosis_share"] + suppressed / max(1 - suppressed, 1e-9), 4)
    diagnoses = {}
    for specialty, top in source["top_diagnoses"].items():
        other = dataset["top_diagnoses"].get(specialty, {})
        shared = set(top) & set(other)
        worst = max((abs(top[c] - other[c]) for c in shared), default=0.0)
        diagnoses[specialty] = {"shared": len(shared), "of": len(top), "max_share_moved": round(worst, 4),
                                "tolerance": share_tolerance,
                                "held": len(shared) >= min(TOLERANCES["top_diagnoses_shared"], len(top))
                                and worst <= share_tolerance}
    result = {
        "age_sex": {"total_variation": round(tvd, 4), "tolerance": tvd_tolerance, "held": tvd <= tvd_tolerance},
        "visits_per_patient": {"source": round(source["visits_per_patient"], 3),
                               "dataset": round(dataset["visits_per_patient"], 3),
                               "relative_change": round(visits_rel, 4),
                               "tolerance": TOLERANCES["visits_per_patient_rel"],
                               "held": visits_rel <= TOLERANCES["visits_per_patient_rel"]},
        "lead_time_days": {"source": source["lead_time_days"], "dataset": dataset["lead_time_days"],
                           "moved": lead, "tolerance": TOLERANCES["lead_time_days"],
                           "held": max(lead.values()) <= TOLERANCES["lead_time_days"]},
        "no_show_rate": {"source": round(source["no_show_rate"], 4), "dataset": round(dataset["no_show_rate"], 4),
                         "moved": round(no_show, 4), "tolerance": TOLERANCES["no_show_rate"],
                         "held": no_show <= TOLERANCES["no_show_rate"]},
        "top_diagnoses": {"per_specialty": diagnoses, "held": all(d["held"] for d in diagnoses.values())},
    }
    result["all_held"] = all(part["held"] for part in result.values())
    return result
