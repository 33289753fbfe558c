"""anonymize(): pseudonyms, shifted dates, generalised addresses, scrubbed text, k-anonymity,
then the scanner; output only if nothing survived."""
import datetime
import functools
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from django.utils.text import slugify

from klinika.testdata.anonymize.generalise import KAnonymity, generalise_address, icd10_chapter
from klinika.testdata.anonymize.pseudonyms import Pseudonyms
from klinika.testdata.anonymize.scanner import Scanner, SourceIdentifiers, Survivor
from klinika.testdata.anonymize.secret import RunSecret
from klinika.testdata.scrub import Scrubber

STAFF_FIELDS = ("profession", "title", "specialties", "is_active")
ENCOUNTER_TEXT = ("interview", "examination", "recommendations")
# Per-patient scrubbers kept at once: the live export streams each patient's records together.
SCRUBBERS_KEPT = 4096
# Per record type, the fields every record's value is made here from nothing of the source's: a
# keyed-HMAC id of another record, or a date shifted and written by `shift` (an ISO date or datetime,
# or empty). The scanner need not search them; everything else (every free text, every personal
# field, anything passed through from the source) it does.
GENERATED = {
    "appointments": frozenset({"patient", "practitioner", "visit_type", "starts_at", "ends_at", "booked_at",
                               "cancelled_at"}),
    "encounters": frozenset({"patient", "appointment", "practitioner", "started_at", "signed_at"}),
    "allergies": frozenset({"patient", "recorded_at"}),
    "vitals": frozenset({"patient", "encounter", "recorded_at"}),
    "notes": frozenset({"patient", "encounter", "written_at"}),
    "weekly_hours": frozenset({"practitioner", "visit_type_ids"}),
}
_TEXT_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


class IdentifiersSurvived(Exception):
    """The scanner found source identifiers in the output: nothing is produced."""

    def __init__(self, survivors: list[Survivor]):
        self.survivors = survivors
        shown = "; ".join(str(s) for s in survivors[:10])
        more = f" and {len(survivors) - 10} more" if len(survivors) > 10 else ""
        super().__init__(f"{len(survivors)} source identifiers survived anonymization: {shown}{more}. "
                         "No dataset was produced: the anonymizer must be fixed for these fields before it "
                         "runs on this clinic (the values are in the source, found by the hints).")


def _as_date(value):
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value) if "T" in value or " " in value.strip() \
            else datetime.date.fromisoformat(value)
    return value


def _surname(person: Mapping) -> str:
    return (person.get("last_name") or "").strip()


def shift(value, days: int):
    """A date, datetime or ISO string moved by `days`, in the type it came in."""
    if value in (None, ""):
        return value
    moved = _as_date(value) + datetime.timedelta(days=days)
    return moved.isoformat() if isinstance(value, str) else moved


@functools.lru_cache(maxsize=16_384)
def _has_date(text: str) -> bool:
    """Remembered for short texts: most reasons and phrases repeat and hold no date."""
    return _TEXT_DATE.search(text) is not None


def shift_text_dates(text: str, days: int) -> str:
    """Dates written in a note (12.03.2024, 2024-03-12) move with the patient's other dates,
    so a visit's real date in the text cannot reveal the offset."""
    if len(text) <= 256 and not _has_date(text):
        return text

    def moved(m: re.Match) -> str:
        try:
            if m.group(1):
                d = datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
                return f"{d + datetime.timedelta(days=days):%d.%m.%Y}"
            d = datetime.date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
            return (d + datetime.timedelta(days=days)).isoformat()
        except ValueError:
            return m.group()
    return _TEXT_DATE.sub(moved, text)


class Anonymizer:
    """One run: holds the run secret and destroys it when the run ends (`close()`)."""

    def __init__(self, patients: Iterable[Mapping], staff: Iterable[Mapping], *, k: int = 5,
                 rare_code_below: int | None = None, today: datetime.date | None = None,
                 secret: RunSecret | None = None, other_people: Iterable[Mapping] = ()):
        """`other_people`: people whose identifiers free text may hold but who are not released
        (a clinic's desk and admin staff): scrubbed and scanned for like everyone else."""
        self.patients = list(patients)
        self.staff = list(staff)
        self.k = k
        self.rare_code_below = rare_code_below or k
        self.today = today or datetime.date.today()
        self.source = SourceIdentifiers.from_records(self.patients, self.staff + list(other_people))
        self.scanner = Scanner(self.source)
        self.secret = secret or RunSecret()
        self.pseudonyms = Pseudonyms(self.secret, name_table=self.source.names.table, pesels=self.source.pesels,
                                     phones=self.source.phones, documents=self.source.documents,
                                     licences=self.source.licences, today=self.today,
                                     people=len(self.patients) + len(self.staff))
        self.scrubber = Scrubber(name_lists=self.source.names)
        self.by_id = {p["id"]: p for p in self.patients}
        self.offsets: dict = {}
        self.scrubbers: OrderedDict = OrderedDict()
        self.kept: dict = {}
        self.survivors: list[Survivor] = []
        self.counts = {"patients": 0, "staff": 0, "appointments": 0, "notes": 0, "visit_types": 0,
                       "weekly_hours": 0, "encounters": 0, "allergies": 0, "vitals": 0,
                       "appointments_dropped": 0, "notes_dropped": 0, "encounters_dropped": 0,
                       "allergies_dropped": 0, "vitals_dropped": 0, "guardian_links_cut": 0,
                       "free_text_findings": 0, "rare_codes_replaced": 0}
        self.quasi = None
        self.code_stand_ins: dict[str, str] = {}

    def close(self) -> None:
        self.secret.destroy()

    def _check(self, record_type: str, record: dict) -> dict:
        self.survivors.extend(self.scanner.record(record_type, record, GENERATED.get(record_type, ())))
        return record

    def _offset(self, patient_id) -> int:
        if patient_id not in self.offsets:
            person = self.by_id[patient_id]
            self.offsets[patient_id] = self.pseudonyms.offset_days(f"patient:{patient_id}",
                                                                    _as_date(person.get("birth_date")))
        return self.offsets[patient_id]

    def _scrub(self, text: str, person: Mapping, days: int) -> str:
        if not text:  # most cancel reasons: nothing to scrub or shift
            return ""
        scrubber = self.scrubbers.get(person["id"])
        if scrubber is None:  # one per patient, reused for all their records (a bounded number kept)
            scrubber = self.scrubbers[person["id"]] = self.scrubber.with_own(person)
            if len(self.scrubbers) > SCRUBBERS_KEPT:
                self.scrubbers.popitem(last=False)
        clean, findings = scrubber.scrub(text or "")
        self.counts["free_text_findings"] += len(findings)
        return shift_text_dates(clean, days)

    def _pseudonymise_patients(self) -> dict:
        out = {}

        def one(pid):
            if pid in out:
                return out[pid]
            person = self.by_id[pid]
            key = f"patient:{pid}"
            guardian = person.get("guardian")
            guardian_out = one(guardian) if guardian in self.by_id else None
            same_family = guardian_out is not None and _surname(person) == _surname(self.by_id[guardian])
            sex = person.get("sex") or "F"
            first, last, surname = self.pseudonyms.name(key, sex, guardian_out["_surname"] if same_family else None)
            days = self._offset(pid)
            birth = shift(person.get("birth_date"), days)
            record = {"id": self.pseudonyms.record_id("patient", pid), "sex": sex, "birth_date": birth,
                      "first_name": first, "last_name": last, "_surname": surname}
            if person.get("pesel"):
                if person.get("pesel_is_mothers") and guardian_out is not None and guardian_out.get("pesel"):
                    record["pesel"] = guardian_out["pesel"]
                else:
                    record["pesel"] = self.pseudonyms.pesel(key, _as_date(birth), sex)
            else:
                record["pesel"] = ""
            record["pesel_is_mothers"] = bool(person.get("pesel_is_mothers"))
            record["document_type"] = person.get("document_type") or ""
            record["document_country"] = person.get("document_country") or ""
            record["document_number"] = (self.pseudonyms.document(key, person["document_number"])
                                         if person.get("document_number") else "")
            record["phone"] = self.pseudonyms.phone(key) if person.get("phone") else ""
            record["email"] = self.pseudonyms.email(key, first, last) if person.get("email") else ""
            record["guardian"] = guardian_out["id"] if guardian_out is not None else None
            record["guardian_relation"] = person.get("guardian_relation") or "" if guardian_out else ""
            out[pid] = record
            return record

        for person in self.patients:
            one(person["id"])
        return out

    def patients_out(self) -> tuple[list[dict], dict]:
        pseudonymous = self._pseudonymise_patients()
        quasi = KAnonymity(self.k, rare_below=self.rare_code_below)
        rows = {}
        for person in self.patients:
            record = pseudonymous[person["id"]]
            rows[person["id"]] = quasi.add(_as_date(record["birth_date"]).year, record["sex"],
                                           generalise_address(person), person.get("diagnoses"),
                                           record["document_country"])
        suppressed, report = quasi.solve()
        self.quasi = quasi
        out = []
        for person in self.patients:
            pid = person["id"]
            if rows[pid] in suppressed:
                continue
            self.kept[pid] = pseudonymous[pid]
        for pid, record in self.kept.items():
            record = dict(record)
            record.pop("_surname")
            released = quasi.released(rows[pid])
            record["birth_year"] = released["birth_year"]
            record["address"] = released["address"]
            record["document_country"] = released["document_country"]
            if released["diagnoses"] or self.by_id[pid].get("diagnoses") is not None:
                record["diagnoses"] = released["diagnoses"]
            if record["guardian"] is not None and self.by_id[pid]["guardian"] not in self.kept:
                record["guardian"], record["guardian_relation"] = None, ""
                self.counts["guardian_links_cut"] += 1
            out.append(self._check("patients", record))
        self.counts["patients"] = len(out)
        return out, report

    def staff_out(self) -> list[dict]:
        out = []
        for member in self.staff:
            key = f"staff:{member['id']}"
            first, last, _ = self.pseudonyms.name(key, member.get("sex") or "F")
            record = {"id": self.pseudonyms.record_id("staff", member["id"]), "first_name": first, "last_name": last,
                      "sex": member.get("sex") or ""}
            for field_name in ("npwz", "licence_number"):
                if member.get(field_name):
                    record[field_name] = self.pseudonyms.licence(key, str(member[field_name]))
            for field_name in STAFF_FIELDS:
                if field_name in member:
                    record[field_name] = member[field_name]
            if member.get("email"):
                record["email"] = self.pseudonyms.email(key, first, last)
            if member.get("phone"):
                record["phone"] = self.pseudonyms.phone(key)
            out.append(self._check("staff", record))
        self.counts["staff"] = len(out)
        return out

    def _ref(self, kind: str, source_id):
        return self.pseudonyms.record_id(kind, source_id) if source_id is not None else None

    def visit_types_out(self, visit_types: Iterable[Mapping]) -> list[dict]:
        """Names and lengths pass (no personal data is expected there; a name that holds some
        anyway is scrubbed, and its code, which is made from the name, replaced)."""
        out = []
        for n, v in enumerate(visit_types, start=1):
            name, findings = self.scrubber.scrub(str(v.get("name") or ""))
            _code, code_findings = self.scrubber.scrub(str(v.get("code") or "").replace("-", " "))
            code = v.get("code") or slugify(name)
            if findings or code_findings:
                self.counts["free_text_findings"] += len(findings) + len(code_findings)
                code = f"typ-{n}"
            out.append(self._check("visit_types", {
                "id": self.pseudonyms.record_id("visit_type", v["id"]), "code": code, "name": name,
                "duration_minutes": v.get("duration_minutes")}))
        self.counts["visit_types"] = len(out)
        return out

    def weekly_hours_out(self, hours: Iterable[Mapping]) -> Iterable[dict]:
        """A practitioner's hours, as they are (a schedule, not a patient's data); ids pseudonymous."""
        for h in hours:
            self.counts["weekly_hours"] += 1
            yield self._check("weekly_hours", {
                "id": self.pseudonyms.record_id("hours", h["id"]),
                "practitioner": self._ref("staff", h["practitioner"]),
                "weekday": h.get("weekday"), "start_time": h.get("start_time"), "end_time": h.get("end_time"),
                "slot_minutes": h.get("slot_minutes"),
                "visit_type_ids": [self.pseudonyms.record_id("visit_type", t) for t in h.get("visit_type_ids") or ()],
                "valid_from": h.get("valid_from"), "valid_until": h.get("valid_until")})

    def _kept(self, kind: str, record: Mapping):
        """The patient's source id if the patient is released, else None (the record is dropped)."""
        pid = record["patient"]
        if pid not in self.kept:
            self.counts[f"{kind}_dropped"] += 1
            return None
        self.counts[kind] += 1
        return pid

    def appointments_out(self, appointments: Iterable[Mapping]) -> Iterable[dict]:
        for a in appointments:
            pid = self._kept("appointments", a)
            if pid is None:
                continue
            days, person = self._offset(pid), self.by_id[pid]
            yield self._check("appointments", {
                "id": self.pseudonyms.record_id("appointment", a["id"]), "patient": self.kept[pid]["id"],
                "practitioner": self._ref("staff", a.get("practitioner")),
                "visit_type": self._ref("visit_type", a.get("visit_type")),
                "starts_at": shift(a.get("starts_at"), days), "ends_at": shift(a.get("ends_at"), days),
                "status": a.get("status"), "booked_at": shift(a.get("booked_at"), days),
                "cancelled_at": shift(a.get("cancelled_at"), days),
                "reason": self._scrub(a.get("reason") or "", person, days),
                "cancel_reason": self._scrub(a.get("cancel_reason") or "", person, days)})

    def encounters_out(self, encounters: Iterable[Mapping]) -> Iterable[dict]:
        """Signed visit records: every free-text field scrubbed like a note, codes kept (without
        their names, which the code lists give back)."""
        for e in encounters:
            pid = self._kept("encounters", e)
            if pid is None:
                continue
            days, person = self._offset(pid), self.by_id[pid]
            content = e.get("content") or {}
            yield self._check("encounters", {
                "id": self.pseudonyms.record_id("encounter", e["id"]), "patient": self.kept[pid]["id"],
                "appointment": self._ref("appointment", e.get("appointment")),
                "practitioner": self._ref("staff", e.get("practitioner")),
                "started_at": shift(e.get("started_at"), days), "signed_at": shift(e.get("signed_at"), days),
                "content": {
                    **{name: self._scrub(content.get(name) or "", person, days) for name in ENCOUNTER_TEXT},
                    "diagnoses": self._released_diagnoses(content.get("diagnoses") or ()),
                    "procedures": [{"code": _code(p)} for p in content.get("procedures") or () if _code(p)]}})

    def _stand_in(self, code: str) -> str:
        """The code a rare one is released as in visit records, where a chapter name cannot go (the
        visit form takes codes from the code list): the commonest code of its ICD-10 chapter that is
        not rare itself, else the commonest code of all. The visit keeps its place in the
        statistics of its chapter; the rare code no longer singles its patient out."""
        if code not in self.code_stand_ins:
            counts = self.quasi.code_counts
            common = [(n, c) for c, n in counts.items() if n >= self.quasi.rare_below]
            chapter = icd10_chapter(code)
            same = [(n, c) for n, c in common if icd10_chapter(c) == chapter]
            self.code_stand_ins[code] = max(same or common or [(0, code)])[1]
        return self.code_stand_ins[code]

    def _released_diagnoses(self, diagnoses) -> list[dict]:
        """Diagnosis codes as the patient records release them: while k-anonymity keeps rare codes
        as such (level 0) they are part of every group's key and stay; once it coarsened them, a
        rare code left in a visit record would undo that, so it is replaced by its stand-in."""
        coarsened = self.quasi is not None and self.quasi.levels["diagnoses"] >= 1
        out, seen = [], {}
        for entry in diagnoses:
            code = _code(entry)
            if not code:
                continue
            main = bool(entry.get("main")) if isinstance(entry, Mapping) else False
            if coarsened and self.quasi.code_counts[code.upper()] < self.quasi.rare_below:
                code = self._stand_in(code.upper())
                self.counts["rare_codes_replaced"] += 1
            if code in seen:  # a stand-in equal to another code of the visit: one entry, main if either was
                out[seen[code]]["main"] = out[seen[code]]["main"] or main
                continue
            seen[code] = len(out)
            out.append({"code": code, "main": main})
        return out

    def allergies_out(self, allergies: Iterable[Mapping]) -> Iterable[dict]:
        for a in allergies:
            pid = self._kept("allergies", a)
            if pid is None:
                continue
            days, person = self._offset(pid), self.by_id[pid]
            yield self._check("allergies", {
                "id": self.pseudonyms.record_id("allergy", a["id"]), "patient": self.kept[pid]["id"],
                "substance": self._scrub(a.get("substance") or "", person, days),
                "reaction": self._scrub(a.get("reaction") or "", person, days),
                "severity": a.get("severity") or "", "is_active": bool(a.get("is_active", True)),
                "recorded_at": shift(a.get("recorded_at"), days)})

    def vitals_out(self, vitals: Iterable[Mapping]) -> Iterable[dict]:
        """Measurements: numbers only (no text field exists to carry an identifier)."""
        for v in vitals:
            pid = self._kept("vitals", v)
            if pid is None:
                continue
            days = self._offset(pid)
            values = {name: value for name, value in (v.get("values") or {}).items()
                      if isinstance(value, int | float) and not isinstance(value, bool)}
            yield self._check("vitals", {
                "id": self.pseudonyms.record_id("vitals", v["id"]), "patient": self.kept[pid]["id"],
                "encounter": self._ref("encounter", v.get("encounter")), "values": values,
                "recorded_at": shift(v.get("recorded_at"), days)})

    def notes_out(self, notes: Iterable[Mapping]) -> Iterable[dict]:
        for n in notes:
            pid = self._kept("notes", n)
            if pid is None:
                continue
            days = self._offset(pid)
            yield self._check("notes", {
                "id": self.pseudonyms.record_id("note", n["id"]), "patient": self.kept[pid]["id"],
                "encounter": (self.pseudonyms.record_id("encounter", n["encounter"])
                              if n.get("encounter") is not None else None),
                "written_at": shift(n.get("written_at"), days),
                "text": self._scrub(n.get("text") or "", self.by_id[pid], days)})


def _code(entry) -> str:
    code = entry.get("code") if isinstance(entry, Mapping) else entry
    return code.strip() if isinstance(code, str) else ""


# The klinika-records/v1 files in the order a dataset holds them; staff and patients are produced
# first (the run needs them whole), the rest stream through.
FILES = ("staff", "visit_types", "weekly_hours", "patients", "appointments", "notes", "encounters", "allergies",
         "vitals")
STREAMED = {"visit_types": "visit_types_out", "weekly_hours": "weekly_hours_out", "appointments": "appointments_out",
            "notes": "notes_out", "encounters": "encounters_out", "allergies": "allergies_out", "vitals": "vitals_out"}


def anonymized_files(run: Anonymizer, source: Mapping[str, Iterable[Mapping]]) -> tuple[dict, dict]:
    """({file name: records} in FILES order, the k-anonymity report): staff and patients as lists,
    the other files of `source` lazily (each record scanned as it is made; the caller checks
    `run.survivors` after consuming them all, before anything is released)."""
    staff_records = run.staff_out()
    patient_records, k_report = run.patients_out()
    files = {}
    for name in FILES:
        if name == "staff":
            files[name] = staff_records
        elif name == "patients":
            files[name] = patient_records
        elif name in source:
            files[name] = getattr(run, STREAMED[name])(source[name])
    return files, k_report


def run_report(run: Anonymizer, k_report: dict) -> dict:
    """The run's report, once every record was made; IdentifiersSurvived if the scanner found any."""
    if run.survivors:
        raise IdentifiersSurvived(run.survivors)
    return {"format": "klinika-records/v1", "counts": dict(run.counts), "k_anonymity": k_report,
            "pseudonyms": {"first_names_from_source_list": run.pseudonyms.first_names_exhausted},
            "dates": {"max_offset_days": 180}, "scanner": {"survivors": 0}}


def anonymize(patients: Iterable[Mapping], appointments: Iterable[Mapping], notes: Iterable[Mapping],
              staff: Iterable[Mapping], *, k: int = 5, rare_code_below: int | None = None,
              today: datetime.date | None = None, secret: RunSecret | None = None,
              other_people: Iterable[Mapping] = (), **more: Iterable[Mapping]) -> tuple[dict, dict]:
    """The anonymized records ({"patients", "staff", "appointments", "notes", and the files of
    `more`: visit_types, weekly_hours, encounters, allergies, vitals}, each a list) and the
    report. Patients and staff are read whole (k-anonymity and the name lists need all of them);
    the rest stream through one record at a time. The run secret is destroyed before this
    returns, whether it succeeds or raises; IdentifiersSurvived is raised, and no records are
    returned, if the scanner finds any source identifier in the output."""
    unknown = set(more) - set(STREAMED)
    if unknown:
        raise TypeError(f"anonymize() has no record file {', '.join(sorted(unknown))}: one of {', '.join(FILES)}")
    run = Anonymizer(patients, staff, k=k, rare_code_below=rare_code_below, today=today, secret=secret,
                     other_people=other_people)
    try:
        files, k_report = anonymized_files(run, {"appointments": appointments, "notes": notes, **more})
        records = {name: list(items) for name, items in files.items()}
    finally:
        run.close()
    return records, run_report(run, k_report)
