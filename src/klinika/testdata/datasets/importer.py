"""The importer: klinika-records/v1 files into a clinic, only through the bulk import services.

`import_records(clinic, read)` takes the records of a dataset (staff, visit_types, weekly_hours,
patients, appointments, encounters; /work records format) and stores them with
staff/scheduling/patients/records services.bulk: every desk rule, encryption, blind index, audit
event and database guard applies, as for any import. It knows nothing of the dataset container:
`read` is a mapping of file name -> records or a callable that returns a file's records
(`LoadedDataset.records`), so a benchmark can feed it plain records.

What an anonymized dataset needs on the way in:
- dataset ids become new primary keys; references resolve through maps kept while importing
  (staff, visit types and patients in dicts; appointments only as 16 bytes per completed visit,
  for the visit records that name them);
- a generalised address (town, postal prefix, voivodeship) becomes a full one the desk accepts,
  made up from the patient's id: a street of the reference list in that town, a postal code in the
  town's real range (klinika.testdata.synth's 413 towns);
- each patient's dates were shifted by up to ±180 days, so a completed visit may lie in the future:
  every event (not birth dates, which PESELs encode) moves back by one common whole number of days,
  the smallest that puts every past-only event before now; intervals survive;
- per-patient shifts also put two visits of one practitioner at the same time, which the schedule
  never allows: the later one moves to the nearest free time of its length (the same day as a
  rule), and its visit record moves with it.

Files are streamed in batches; a refused row stops the import with one line naming the file, the
record (1-based, in file order) and the field (DatasetImportFailed). The caller owns the clean-up
(testenv load shreds the half-loaded clinic).
"""
from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.bulk import ImportRejected
from klinika.patients.cleaning import ADULT_AGE
from klinika.patients.services.bulk import import_patients
from klinika.patients.validators import clean_document_number
from klinika.records.services.bulk import import_encounters
from klinika.records.services.bulk_clinical import import_allergies, import_vitals
from klinika.records.validators import VITALS
from klinika.scheduling.models import TIME_HOLDING, AppointmentStatus
from klinika.scheduling.services.bulk import (
    PAST_ONLY,
    import_appointments,
    import_visit_types,
    import_weekly_hours,
)
from klinika.staff.models import Practitioner
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.anonymize.pseudonyms import pesel_for
from klinika.testdata.synth import reference

IMPORTER_ACTOR = Actor(None, "dataset-importer")
# The order references need: practitioners and visit types before hours, patients before visits.
FILES = ("staff", "visit_types", "weekly_hours", "patients", "appointments", "encounters", "allergies", "vitals")
# Record files with no bulk path yet: counted, not stored.
LEFT_OUT = {
    "notes": "legacy visit notes: visit records come from encounters",
}
UNKNOWN_COUNTRY = "XX"
DEFAULT_VISIT_TYPE = {"code": "wizyta", "name": "Wizyta", "duration_minutes": 20}
BATCH = 5000
DAY = datetime.timedelta(days=1)
# How far an overlapping visit may move to a free time of its practitioner (either way).
MAX_MOVE = datetime.timedelta(days=3)
HOLDING = {str(s) for s in TIME_HOLDING}
PAST = {str(s) for s in PAST_ONLY}

Progress = Callable[[str, int, int], None] | None
Read = Callable[[str], Iterable[dict]] | Mapping[str, Iterable[dict]]


class DatasetImportFailed(ValueError):
    """A record was refused: the message is one line naming the file, the record and the field."""


@dataclass
class ImportReport:
    counts: dict = field(default_factory=dict)      # file -> records stored
    shift_days: int = 0                              # every event moved back by this many days
    addresses_made_up: int = 0                       # generalised addresses completed
    moved: int = 0                                   # visits moved off an overlap
    countries_unknown: int = 0                       # documents whose issuing country was removed
    guardians_made_up: int = 0                       # parents made for minors whose guardian was left out
    left_out: dict = field(default_factory=dict)     # file -> why (with its record count)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        stored = ", ".join(f"{name} {self.counts[name]}" for name in FILES if name in self.counts) or "nothing"
        parts = [f"imported {stored} in {self.seconds:.1f} s",
                 f"events moved back {self.shift_days} day(s)",
                 f"{self.addresses_made_up} generalised address(es) completed",
                 f"{self.moved} overlapping visit(s) moved to a free time",
                 f"{self.countries_unknown} document(s) of an unknown country ({UNKNOWN_COUNTRY})",
                 f"{self.guardians_made_up} guardian(s) made up for minors without one"]
        parts += [f"left out {name}: {why}" for name, why in sorted(self.left_out.items())]
        return "; ".join(parts)


# --------------------------------------------------------------------------- reading

class _Source:
    """The files of one import, by stem ("patients"), whichever way they were given."""

    def __init__(self, read: Read, names: Iterable[str] | None):
        self.read = read
        if isinstance(read, Mapping):
            self.files = {_stem(n): n for n in read if _stem(n)}
            for name, value in read.items():
                if iter(value) is value:
                    raise TypeError(f"import_records reads some files twice: give {name!r} as a list (or "
                                    f"anything iterable more than once), or pass a callable")
        else:
            given = list(names) if names is not None else [f"{n}.jsonl" for n in (*FILES, *LEFT_OUT)]
            self.files = {_stem(n): f"{_stem(n)}.jsonl" for n in given if _stem(n)}
        self.known = names is not None or isinstance(read, Mapping)

    def __contains__(self, stem: str) -> bool:
        return stem in self.files and (self.known or self._opens(stem))

    @functools.cache  # noqa: B019 - one source per import
    def _opens(self, stem: str) -> bool:
        try:
            next(iter(self.read(self.files[stem])), None)
        except (KeyError, FileNotFoundError):
            return False
        return True

    def rows(self, stem: str) -> Iterator[dict]:
        if stem not in self:
            return iter(())
        source = self.read[self.files[stem]] if isinstance(self.read, Mapping) else self.read(self.files[stem])
        return iter(source)


def _stem(name: str) -> str | None:
    """"patients" for "patients.jsonl" or "patients"; None for a file that holds no records (report.json)."""
    stem = name.removesuffix(".jsonl")
    return None if "." in stem else stem


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# --------------------------------------------------------------------------- values

def _moment(value) -> datetime.datetime | None:
    """An aware datetime, or None when the value is not one (the bulk import then names the field)."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=timezone.get_default_timezone())


def _moved(value, delta: datetime.timedelta):
    """`value` moved by `delta`; a value that is no date and time passes unchanged, to be refused by name."""
    moment = _moment(value)
    return value if moment is None else moment - delta


def _day_moved(value, days: int):
    try:
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        return value
    return day - datetime.timedelta(days=days)


def _draws(key, count: int) -> list[int]:
    """Deterministic 32-bit numbers from a record's id (the same dataset, the same made-up address)."""
    digest = hashlib.blake2b(f"klinika-import:{key}".encode(), digest_size=4 * count).digest()
    return [int.from_bytes(digest[4 * i:4 * i + 4], "big") for i in range(count)]


def _id_hash(value) -> int:
    return int.from_bytes(hashlib.blake2b(str(value).encode(), digest_size=8).digest(), "big", signed=True)


# --------------------------------------------------------------------------- addresses

@functools.cache
def _towns():
    towns = reference.towns()
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(towns.town.tolist()):
        by_name.setdefault(name, []).append(i)
    return towns, by_name


def _prefix(address: Mapping) -> int | None:
    for key in ("postal_prefix", "postal_code"):
        text = str(address.get(key) or "").strip()
        if text[:2].isdigit():
            return int(text[:2])
    return None


def is_generalised(address) -> bool:
    """A dataset's address without a street or building (town, postal prefix, voivodeship at most)."""
    if not isinstance(address, Mapping):
        return False
    postal = str(address.get("postal_code") or "")
    return not (address.get("street") or address.get("building")) or "x" in postal.lower() or (
        "postal_prefix" in address)


def desk_address(address: Mapping, key) -> dict | None:
    """A full address the registration desk accepts, made up deterministically from `key` within
    what a generalised `address` keeps: its town (or a town of its voivodeship or postal prefix),
    a street from the reference list, and a postal code in the town's real range."""
    towns, by_name = _towns()
    draw = _draws(key, 4)
    city = " ".join(str(address.get("city") or "").split())
    voivodeship = str(address.get("voivodeship") or "").strip()
    prefix = _prefix(address)

    def in_prefix(i):
        return prefix is None or (towns.postal_first[i] // 1000 <= prefix <= towns.postal_last[i] // 1000)

    candidates = [i for i in by_name.get(city, []) if not voivodeship or towns.voivodeship[i] == voivodeship]
    candidates = [i for i in candidates if in_prefix(i)] or candidates or by_name.get(city, [])
    if not candidates:
        pool = np.arange(len(towns.town))
        for keep in ((lambda i: towns.voivodeship[i] == voivodeship and in_prefix(i)),
                     (lambda i: towns.voivodeship[i] == voivodeship), in_prefix, lambda i: True):
            chosen = [i for i in pool.tolist() if keep(i)]
            if chosen:
                break
        weights = np.cumsum(towns.population[chosen])
        candidates = [chosen[int(np.searchsorted(weights, draw[0] / 2**32 * weights[-1], side="right"))
                             if weights[-1] > 0 else draw[0] % len(chosen)]]
    town = candidates[draw[0] % len(candidates)]
    low, high = int(towns.postal_first[town]), int(towns.postal_last[town])
    if prefix is not None and low // 1000 <= prefix <= high // 1000:
        low, high = max(low, prefix * 1000), min(high, prefix * 1000 + 999)
    code = low + draw[1] % (high - low + 1)
    names, streets = reference.streets()
    street = names[min(int(np.searchsorted(streets.cdf, draw[2] / 2**32, side="right")), len(names) - 1)]
    return {"street": str(street), "building": str(1 + draw[3] % 120), "apartment": "",
            "postal_code": f"{code // 1000:02d}-{code % 1000:03d}", "city": str(towns.town[town]), "country": "PL"}


# --------------------------------------------------------------------------- the schedule

class _Calendar:
    """The times each practitioner is taken, as sorted microsecond numbers (16 bytes a visit): where
    a visit fits, or the nearest free time for one that overlaps another."""

    def __init__(self):
        self.starts: dict[int, array] = {}
        self.ends: dict[int, array] = {}

    def _free(self, who, start: int, end: int) -> bool:
        starts, ends = self.starts.setdefault(who, array("q")), self.ends.setdefault(who, array("q"))
        i = bisect.bisect_right(starts, start)
        return not ((i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end))

    def _take(self, who, start: int, end: int) -> None:
        starts, ends = self.starts[who], self.ends[who]
        i = bisect.bisect_right(starts, start)
        starts.insert(i, start)
        ends.insert(i, end)

    def place(self, who, start: int, end: int, earliest: int | None, latest: int | None) -> int | None:
        """The move (microseconds) that puts [start, end) on a free time within MAX_MOVE, nearest
        first, not before `earliest` nor after `latest`; None if there is none."""
        length, limit = end - start, MAX_MOVE // _MICRO
        for step in range(0, limit // max(length, 1) + 1):
            for move in ((0,) if step == 0 else (step * length, -step * length)):
                begin = start + move
                if move and ((earliest is not None and begin < earliest) or (latest is not None and begin > latest)):
                    continue  # the dataset's own time is judged by the bulk import; a move must keep its rules
                if self._free(who, begin, begin + length):
                    self._take(who, begin, begin + length)
                    return move
        return None


def _polish_document(row: Mapping) -> bool:
    try:
        clean_document_number(str(row.get("document_type") or ""), str(row.get("document_number")), "PL")
    except ValidationError:
        return False
    return True


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICRO = datetime.timedelta(microseconds=1)


def _micros(moment: datetime.datetime) -> int:
    """Exact microseconds since the epoch: the calendar compares times as the database does."""
    return (moment - _EPOCH) // _MICRO


# --------------------------------------------------------------------------- the import

def import_records(clinic, read: Read, *, names: Iterable[str] | None = None, progress: Progress = None,
                   totals: Mapping[str, int] | None = None, shift_days: int | None = None,
                   now: datetime.datetime | None = None, batch_size: int = BATCH) -> ImportReport:
    """Store a dataset's records in `clinic` through the bulk import services.

    read: {file name: records} (names with or without ".jsonl"; each iterable more than once) or a
    callable giving a file's records by its name ("patients.jsonl"); `names` lists the files a
    callable has (otherwise an absent file is one whose reading raises KeyError/FileNotFoundError).
    progress(step, done, total) is called as batches go in; totals (the manifest's counts) gives
    the totals. shift_days: the common move back of every event (computed from the records if None).
    Raises DatasetImportFailed (one line: file, record, field); what went in before stays (the
    caller discards the clinic)."""
    started = time.monotonic()
    source = _Source(read, names)
    totals = dict(totals or {})
    now = now or timezone.now()
    report = ImportReport()
    report.shift_days = _shift_days(source, now) if shift_days is None else shift_days
    run = _Run(clinic, source, report, progress, totals, batch_size, now)
    run.staff()
    run.visit_types()
    run.weekly_hours()
    run.patients()
    run.appointments()
    run.encounters()
    run.allergies()
    run.vitals()
    for name, why in LEFT_OUT.items():
        if name in source and (count := totals.get(name, sum(1 for _ in source.rows(name)))):
            report.left_out[name] = f"{why} ({count} records)"
    report.seconds = time.monotonic() - started
    return report


def _shift_days(source: _Source, now: datetime.datetime) -> int:
    """The smallest whole number of days that puts every past-only event of the records before `now`:
    bookings, cancellations, check-ins, the start of a visit that happened or was missed, signatures."""
    latest = None

    def see(value):
        nonlocal latest
        moment = _moment(value)
        if moment is not None and (latest is None or moment > latest):
            latest = moment

    for row in source.rows("appointments"):
        for name in ("booked_at", "cancelled_at", "checked_in_at"):
            see(row.get(name))
        if row.get("status") in PAST:
            see(row.get("starts_at"))
    for row in source.rows("encounters"):
        see(row.get("signed_at"))
    if latest is None or latest < now:
        return 0
    return (latest - now) // DAY + 1


def _failed(name: str, rejected: ImportRejected, rows: list[int]) -> DatasetImportFailed:
    """ImportRejected names rows by their place in one bulk call; `rows` gives each one's record number."""
    problems = rejected.problems
    first = problems[0]
    record = rows[first.row] if 0 <= first.row < len(rows) else first.row + 1
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    message = " ".join(str(first.message).split())
    return DatasetImportFailed(f"{name}.jsonl record {record}, field {first.field}: {message}{more}")


class _Run:
    def __init__(self, clinic, source, report, progress, totals, batch_size, now):
        self.clinic, self.source, self.report = clinic, source, report
        self.progress, self.totals, self.batch_size, self.now = progress, totals, batch_size, now
        self.shift = datetime.timedelta(days=report.shift_days)
        self.staff_pk: dict = {}
        self.visit_type_pk: dict = {}
        self.duration: dict = {}  # visit type pk -> minutes
        self.default_visit_type = None
        self.patient_pk: dict = {}
        self.encounter_pk: dict = {}  # dataset id -> (pk, the user of its practitioner)
        self.staff_user: dict = {}   # dataset staff id -> user pk
        # completed appointments, for the visit records: id hash -> (pk, minutes moved), as sorted arrays
        self.completed = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64))

    def _tick(self, name, done):
        if self.progress:
            self.progress(name, done, max(self.totals.get(name, done), done))

    def _store(self, name, rows: list[dict], numbers: list[int], call):
        try:
            return call(rows)
        except ImportRejected as rejected:
            raise _failed(name, rejected, numbers) from None

    def _count(self, name, count):
        self.report.counts[name] = self.report.counts.get(name, 0) + count
        self._tick(name, self.report.counts[name])

    # ---- staff, visit types, hours (small: one call each)

    def staff(self):
        if "staff" not in self.source:
            return
        rows, ids = [], []
        for n, row in enumerate(self.source.rows("staff"), start=1):
            rows.append({**row, "licence_number": row.get("licence_number") or row.get("npwz") or "",
                         "login": f"ds-{self.clinic.slug}-{n}"[:150]})
            ids.append(row.get("id"))
        result = self._store("staff", rows, list(range(1, len(rows) + 1)), lambda rows: import_practitioners(
            self.clinic, rows, actor=IMPORTER_ACTOR))
        self.staff_pk = dict(zip(ids, result.practitioner_ids, strict=True))
        with clinic_context(self.clinic):
            users = dict(Practitioner.objects.filter(pk__in=result.practitioner_ids).values_list("pk",
                                                                                                   "staff__user_id"))
        self.staff_user = {sid: users[pk] for sid, pk in self.staff_pk.items()}
        self._count("staff", result.count)

    def visit_types(self):
        rows, ids = [], []
        for row in self.source.rows("visit_types"):
            rows.append(row)
            ids.append(row.get("id"))
        if not rows:  # appointments need one: a dataset without visit types gets the one of a plain visit
            rows, ids = [DEFAULT_VISIT_TYPE], [None]
        result = self._store("visit_types", rows, list(range(1, len(rows) + 1)), lambda rows: import_visit_types(
            self.clinic, rows, actor=IMPORTER_ACTOR))
        self.visit_type_pk = dict(zip(ids, result.ids, strict=True))
        for row, pk in zip(rows, result.ids, strict=True):
            self.duration[pk] = int(row.get("duration_minutes") or DEFAULT_VISIT_TYPE["duration_minutes"])
        if ids == [None]:
            self.default_visit_type = result.ids[0]
        else:
            self._count("visit_types", result.count)

    def weekly_hours(self):
        rows = []
        for row in self.source.rows("weekly_hours"):
            types = row.get("visit_types", row.get("visit_type_ids")) or []
            out = {k: v for k, v in row.items() if k not in ("id", "practitioner", "visit_types")}
            out.update(practitioner_id=self.staff_pk.get(row.get("practitioner", row.get("practitioner_id"))),
                       visit_type_ids=[self.visit_type_pk.get(t, -1) for t in types])
            for name in ("valid_from", "valid_until"):
                if out.get(name):
                    out[name] = _day_moved(out[name], self.report.shift_days)
            rows.append(out)
        if rows:
            result = self._store("weekly_hours", rows, list(range(1, len(rows) + 1)),
                                 lambda rows: import_weekly_hours(self.clinic, rows, actor=IMPORTER_ACTOR))
            self._count("weekly_hours", result.count)

    # ---- patients: batches; a ward listed before the guardian waits for the guardian

    def patients(self):
        passed, waiting = set(), []  # ids sent to the bulk import; rows whose guardian comes later
        for batch in _batches(enumerate(self.source.rows("patients"), start=1), self.batch_size):
            rows, numbers = [], []
            for n, row in batch:
                guardian = row.get("guardian")
                if guardian not in (None, "") and guardian not in passed:
                    waiting.append((n, row))
                    continue
                out = self._patient(row)
                made = self._made_up_guardian(row) if guardian in (None, "") else None
                if made is not None:  # at the ward's address, just before the ward (a refusal names the ward)
                    out.update(guardian=made["id"], guardian_relation=made.pop("relation"))
                    rows.append({**made, "address": out.get("address")})
                    numbers.append(n)
                rows.append(out)
                numbers.append(n)
                passed.add(row.get("id"))
            self._patients(rows, numbers)
        while waiting:
            ready = [(n, row) for n, row in waiting if row.get("guardian") in self.patient_pk]
            # none ready: the rest name a guardian who is not in the file, and the bulk import refuses them by name
            batch = ready or waiting
            self._patients([self._patient(row) for _n, row in batch], [n for n, _row in batch])
            done = {n for n, _row in batch}
            waiting = [(n, row) for n, row in waiting if n not in done]

    def _patient(self, row: dict) -> dict:
        out = dict(row)
        guardian = row.get("guardian")
        if guardian in self.patient_pk:  # stored by an earlier batch: named by its pk
            out["guardian"], out["guardian_id"] = None, self.patient_pk[guardian]
        if is_generalised(row.get("address")):
            out["address"] = desk_address(row["address"], row.get("id"))
            self.report.addresses_made_up += 1
        if row.get("document_number") and not row.get("document_country") and not _polish_document(row):
            # k-anonymity removed the issuing country: "XX" (ISO 3166 user-assigned) says it is unknown,
            # where the desk's default (PL) would judge a foreign number by Polish rules
            out["document_country"] = UNKNOWN_COUNTRY
            self.report.countries_unknown += 1
        return out

    def _made_up_guardian(self, row: dict) -> dict | None:
        """A parent for a minor whose guardian the anonymizer had to leave out (the desk registers no
        minor without one): an adult of the ward's sex and surname, made up from the ward's id."""
        try:
            birth = datetime.date.fromisoformat(str(row.get("birth_date"))[:10])
        except ValueError:
            return None
        today = timezone.localdate()
        if (today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))) >= ADULT_AGE:
            return None
        draw = _draws(f"guardian:{row.get('id')}", 3)
        sex = "M" if row.get("sex") == "M" else "F"
        parent_birth = birth - datetime.timedelta(days=int(365.2425 * (22 + draw[0] % 18)))
        names = reference.first_names()
        pool = names.groups[sex, "pl", 1].values
        self.report.guardians_made_up += 1
        return {"id": f"{row.get('id')}~guardian", "first_name": str(names.names[pool[draw[1] % len(pool)]]),
                "last_name": row.get("last_name"), "sex": sex, "birth_date": parent_birth.isoformat(),
                "pesel": pesel_for(parent_birth, sex == "M", draw[2] % 1000, draw[2] // 1000 % 5),
                "relation": "father" if sex == "M" else "mother"}

    def _patients(self, rows, numbers):
        if rows:
            result = self._store("patients", rows, numbers, lambda rows: import_patients(
                self.clinic, rows, actor=IMPORTER_ACTOR))
            self.patient_pk.update(result.ids)
            made_up = sum(1 for row in rows if str(row.get("id")).endswith("~guardian"))
            self._count("patients", result.count - made_up)

    # ---- appointments: batches, moved back by the common shift, overlaps moved to a free time

    def appointments(self):
        calendar = _Calendar()
        keep = "encounters" in self.source
        hashes, pks, moves = [], [], []
        limit = _micros(self.now) - 1
        for batch in _batches(enumerate(self.source.rows("appointments"), start=1), self.batch_size):
            rows, numbers, batch_moves = [], [], []
            for n, row in batch:
                out, move = self._appointment(row, calendar, limit)
                rows.append(out)
                numbers.append(n)
                batch_moves.append(move)
            result = self._store("appointments", rows, numbers, lambda rows: import_appointments(
                self.clinic, rows, actor=IMPORTER_ACTOR))
            if keep:
                for (_n, row), pk, move in zip(batch, result.ids, batch_moves, strict=True):
                    if row.get("status") == AppointmentStatus.COMPLETED:
                        hashes.append(_id_hash(row.get("id")))
                        pks.append(pk)
                        moves.append(move)
            self._count("appointments", result.count)
        if hashes:
            order = np.argsort(np.array(hashes, dtype=np.int64), kind="stable")
            self.completed = tuple(np.array(values, dtype=np.int64)[order] for values in (hashes, pks, moves))

    def _appointment(self, row: dict, calendar: _Calendar, limit: int) -> tuple[dict, int]:
        # A dataset without visit types (the older --from-records files) books every visit as the
        # default one; with visit types, a reference that does not resolve is the row's error.
        visit_type = (self.visit_type_pk.get(row.get("visit_type"))
                      if row.get("visit_type") is not None and self.default_visit_type is None
                      else self.default_visit_type)
        out = {"patient_id": self.patient_pk.get(row.get("patient")),
               "practitioner_id": self.staff_pk.get(row.get("practitioner")), "visit_type_id": visit_type,
               "status": row.get("status"), "reason": row.get("reason") or "",
               "cancel_reason": row.get("cancel_reason") or ""}
        for name in ("starts_at", "ends_at", "booked_at", "cancelled_at", "checked_in_at"):
            if row.get(name) not in (None, ""):
                out[name] = _moved(row[name], self.shift)
        starts = out.get("starts_at")
        if out["status"] not in HOLDING or not isinstance(starts, datetime.datetime) or out["practitioner_id"] is None:
            return out, 0
        ends = out.get("ends_at") if isinstance(out.get("ends_at"), datetime.datetime) else (
            starts + datetime.timedelta(minutes=self.duration.get(visit_type, 20)))
        if ends <= starts:
            return out, 0  # refused by the bulk import, by name
        booked = out.get("booked_at")
        move = calendar.place(out["practitioner_id"], _micros(starts), _micros(ends),
                              _micros(booked) if isinstance(booked, datetime.datetime) else None,
                              limit if out["status"] in PAST else None)
        if move is None:
            return out, 0  # no free time near: the overlap is refused by the bulk import, by name
        if move:
            self.report.moved += 1
            delta = datetime.timedelta(microseconds=move)
            for name in ("starts_at", "ends_at", "checked_in_at"):
                if isinstance(out.get(name), datetime.datetime):
                    out[name] += delta
        return out, move

    # ---- signed visit records: batches, their appointment's pk found by the id's hash

    def encounters(self):
        hashes, pks, moves = self.completed
        for batch in _batches(enumerate(self.source.rows("encounters"), start=1), self.batch_size):
            rows, numbers, ids = [], [], []
            for n, row in batch:
                key = _id_hash(row.get("appointment"))
                at = int(np.searchsorted(hashes, key))
                found = at < len(hashes) and hashes[at] == key
                signed = _moved(row.get("signed_at"), self.shift)
                if found and isinstance(signed, datetime.datetime) and moves[at]:
                    # with its visit; a visit moved later near now is signed a minute ago at the latest
                    signed = min(signed + datetime.timedelta(microseconds=int(moves[at])),
                                 self.now - datetime.timedelta(minutes=1))
                rows.append({"appointment_id": int(pks[at]) if found else None, "signed_at": signed,
                             "content": row.get("content")})
                numbers.append(n)
                ids.append((row.get("id"), self.staff_user.get(row.get("practitioner"))))
            result = self._store("encounters", rows, numbers, lambda rows: import_encounters(
                self.clinic, rows, actor=IMPORTER_ACTOR))
            self.encounter_pk.update((key, (pk, user)) for (key, user), pk in zip(ids, result.ids, strict=True))
            self._count("encounters", result.count)

    # ---- allergies and measurements: recorded by the visit's practitioner, else the first one

    def _recorded_at(self, value):
        """Moved back with everything else; never after now (an allergy noted today stays today)."""
        moment = _moved(value, self.shift)
        if isinstance(moment, datetime.datetime):
            return min(moment, self.now - datetime.timedelta(minutes=1))
        return moment

    def allergies(self):
        recorder = next(iter(self.staff_user.values()), None)
        for batch in _batches(enumerate(self.source.rows("allergies"), start=1), self.batch_size):
            rows = [{"patient_id": self.patient_pk.get(row.get("patient")), "substance": row.get("substance"),
                     "reaction": row.get("reaction") or "", "severity": row.get("severity") or "",
                     "is_active": row.get("is_active", True), "recorded_by_id": recorder,
                     "recorded_at": self._recorded_at(row.get("recorded_at"))} for _n, row in batch]
            result = self._store("allergies", rows, [n for n, _row in batch], lambda rows: import_allergies(
                self.clinic, rows, actor=IMPORTER_ACTOR, now=self.now))
            self._count("allergies", result.count)

    def vitals(self):
        recorder = next(iter(self.staff_user.values()), None)
        for batch in _batches(enumerate(self.source.rows("vitals"), start=1), self.batch_size):
            rows = []
            for _n, row in batch:
                encounter, user = self.encounter_pk.get(row.get("encounter"), (None, None))
                # what was measured; BMI is computed again from weight and height, never entered
                values = {k: v for k, v in (row.get("values") or {}).items() if k in VITALS}
                rows.append({"patient_id": self.patient_pk.get(row.get("patient")), "values": values,
                             "encounter_id": encounter, "recorded_by_id": user or recorder,
                             "recorded_at": self._recorded_at(row.get("recorded_at"))})
            result = self._store("vitals", rows, [n for n, _row in batch], lambda rows: import_vitals(
                self.clinic, rows, actor=IMPORTER_ACTOR, now=self.now))
            self._count("vitals", result.count)
