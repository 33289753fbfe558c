"""Which diagnoses the patient summary shows as active problems.

The rule, applied to the diagnoses (main and others) of each visit's newest signed version:

- a chronic condition (ICD-10 groups below) stays active whenever it was last coded;
- a pregnancy-related code (O00–O99, Z32–Z36, Z39) stays active for 300 days after the visit
  (a pregnancy and its puerperium fit in that);
- any other diagnosis is active for 90 days after the last visit that coded it.

Drafts do not count: a problem list is built from what a doctor signed.
"""
import datetime
from dataclasses import dataclass

RECENT_DAYS = 90
PREGNANCY_DAYS = 300

# Three-character groups (or longer prefixes) of long-lasting conditions seen in outpatient care.
CHRONIC_PREFIXES = (
    "C",  # malignant neoplasms
    "D50", "D51", "D52",  # deficiency anaemias
    "E03", "E04", "E05", "E06", "E10", "E11", "E13", "E14", "E22", "E28.2", "E66", "E78", "E89.0",
    "F10.2", "F17.2", "F20", "F31", "F32", "F33", "F41.1", "F84", "F90",
    "G20", "G30", "G35", "G40", "G43", "G47.3",
    "I10", "I11", "I12", "I13", "I15", "I20", "I25", "I48", "I50", "I69", "I70", "I73", "I83",
    "J30.3", "J31", "J32", "J42", "J43", "J44", "J45",
    "K21", "K50", "K51", "K58", "K76.0", "K90.0",
    "L20", "L40",
    "M05", "M06", "M10", "M15", "M16", "M17", "M18", "M19", "M41", "M47", "M81",
    "N18", "N40", "N80", "N97",
    "Q",  # congenital conditions
)
PREGNANCY_PREFIXES = ("O", "Z32", "Z33", "Z34", "Z35", "Z36", "Z39")


class Kind:
    CHRONIC = "chronic"
    PREGNANCY = "pregnancy"
    RECENT = "recent"


def kind_of(code: str) -> str:
    if code.startswith(CHRONIC_PREFIXES):
        return Kind.CHRONIC
    if code.startswith(PREGNANCY_PREFIXES):
        return Kind.PREGNANCY
    return Kind.RECENT


def is_active(code: str, last_seen: datetime.datetime, now: datetime.datetime) -> bool:
    kind = kind_of(code)
    if kind == Kind.CHRONIC:
        return True
    days = PREGNANCY_DAYS if kind == Kind.PREGNANCY else RECENT_DAYS
    return now - last_seen <= datetime.timedelta(days=days)


@dataclass
class Problem:
    code: str
    name: str
    kind: str
    last_seen: datetime.datetime
    visits: int


def active_problems(visits, now: datetime.datetime) -> list[Problem]:
    """`visits`: (started_at, content) of signed visits, in any order. Chronic problems first, then the
    most recently seen."""
    seen: dict[str, Problem] = {}
    for started_at, content in visits:
        for diagnosis in (content or {}).get("diagnoses") or []:
            code = diagnosis.get("code") or ""
            problem = seen.get(code)
            if problem is None:
                seen[code] = Problem(code, diagnosis.get("name") or "", kind_of(code), started_at, 1)
            else:
                problem.visits += 1
                if started_at > problem.last_seen:
                    problem.last_seen, problem.name = started_at, diagnosis.get("name") or problem.name
    active = [p for p in seen.values() if p.code and is_active(p.code, p.last_seen, now)]
    return sorted(active, key=lambda p: (p.kind != Kind.CHRONIC, -p.last_seen.timestamp(), p.code))
