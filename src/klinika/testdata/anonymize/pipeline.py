"""anonymize(): pseudonyms, shifted dates, generalised addresses, scrubbed text, k-anonymity,
then the scanner; output only if nothing survived."""
import datetime
import re
from collections.abc import Iterable, Mapping

from klinika.testdata.anonymize.generalise import KAnonymity, generalise_address
from klinika.testdata.anonymize.pseudonyms import Pseudonyms
from klinika.testdata.anonymize.scanner import Scanner, SourceIdentifiers, Survivor
from klinika.testdata.anonymize.secret import RunSecret
from klinika.testdata.scrub import Scrubber

STAFF_FIELDS = ("profession", "title", "specialties")
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


def shift_text_dates(text: str, days: int) -> str:
    """Dates written in a note (12.03.2024, 2024-03-12) move with the patient's other dates,
    so a visit's real date in the text cannot reveal the offset."""
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
                 secret: RunSecret | None = None):
        self.patients = list(patients)
        self.staff = list(staff)
        self.k = k
        self.rare_code_below = rare_code_below or k
        self.today = today or datetime.date.today()
        self.source = SourceIdentifiers.from_records(self.patients, self.staff)
        self.scanner = Scanner(self.source)
        self.secret = secret or RunSecret()
        self.pseudonyms = Pseudonyms(self.secret, name_table=self.source.names.table, pesels=self.source.pesels,
                                     phones=self.source.phones, documents=self.source.documents,
                                     licences=self.source.licences, today=self.today)
        self.scrubber = Scrubber(name_lists=self.source.names)
        self.by_id = {p["id"]: p for p in self.patients}
        self.offsets: dict = {}
        self.scrubbers: dict = {}
        self.kept: dict = {}
        self.survivors: list[Survivor] = []
        self.counts = {"patients": 0, "staff": 0, "appointments": 0, "notes": 0,
                       "appointments_dropped": 0, "notes_dropped": 0, "guardian_links_cut": 0,
                       "free_text_findings": 0}

    def close(self) -> None:
        self.secret.destroy()

    def _check(self, record_type: str, record: dict) -> dict:
        self.survivors.extend(self.scanner.record(record_type, record))
        return record

    def _offset(self, patient_id) -> int:
        if patient_id not in self.offsets:
            person = self.by_id[patient_id]
            self.offsets[patient_id] = self.pseudonyms.offset_days(f"patient:{patient_id}",
                                                                    _as_date(person.get("birth_date")))
        return self.offsets[patient_id]

    def _scrub(self, text: str, person: Mapping, days: int) -> str:
        scrubber = self.scrubbers.get(person["id"])
        if scrubber is None:  # one per patient, reused for all their appointments and notes
            scrubber = self.scrubbers[person["id"]] = self.scrubber.with_own(person)
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

    def appointments_out(self, appointments: Iterable[Mapping]) -> Iterable[dict]:
        for a in appointments:
            pid = a["patient"]
            if pid not in self.kept:
                self.counts["appointments_dropped"] += 1
                continue
            days = self._offset(pid)
            self.counts["appointments"] += 1
            yield self._check("appointments", {
                "id": self.pseudonyms.record_id("appointment", a["id"]), "patient": self.kept[pid]["id"],
                "practitioner": (self.pseudonyms.record_id("staff", a["practitioner"])
                                 if a.get("practitioner") is not None else None),
                "starts_at": shift(a.get("starts_at"), days), "ends_at": shift(a.get("ends_at"), days),
                "status": a.get("status"), "booked_at": shift(a.get("booked_at"), days),
                "reason": self._scrub(a.get("reason") or "", self.by_id[pid], days)})

    def notes_out(self, notes: Iterable[Mapping]) -> Iterable[dict]:
        for n in notes:
            pid = n["patient"]
            if pid not in self.kept:
                self.counts["notes_dropped"] += 1
                continue
            days = self._offset(pid)
            self.counts["notes"] += 1
            yield self._check("notes", {
                "id": self.pseudonyms.record_id("note", n["id"]), "patient": self.kept[pid]["id"],
                "encounter": (self.pseudonyms.record_id("encounter", n["encounter"])
                              if n.get("encounter") is not None else None),
                "written_at": shift(n.get("written_at"), days),
                "text": self._scrub(n.get("text") or "", self.by_id[pid], days)})


def anonymize(patients: Iterable[Mapping], appointments: Iterable[Mapping], notes: Iterable[Mapping],
              staff: Iterable[Mapping], *, k: int = 5, rare_code_below: int | None = None,
              today: datetime.date | None = None, secret: RunSecret | None = None) -> tuple[dict, dict]:
    """The anonymized records ({"patients", "staff", "appointments", "notes"}, each a list) and
    the report. Patients and staff are read whole (k-anonymity and the name lists need all of
    them); appointments and notes stream through one at a time. The run secret is destroyed
    before this returns, whether it succeeds or raises; IdentifiersSurvived is raised, and no
    records are returned, if the scanner finds any source identifier in the output."""
    run = Anonymizer(patients, staff, k=k, rare_code_below=rare_code_below, today=today, secret=secret)
    try:
        staff_records = run.staff_out()
        patient_records, k_report = run.patients_out()
        records = {"patients": patient_records, "staff": staff_records,
                   "appointments": list(run.appointments_out(appointments)), "notes": list(run.notes_out(notes))}
    finally:
        run.close()
    if run.survivors:
        raise IdentifiersSurvived(run.survivors)
    report = {"format": "klinika-records/v1", "counts": run.counts, "k_anonymity": k_report,
              "pseudonyms": {"first_names_from_source_list": run.pseudonyms.first_names_exhausted},
              "dates": {"max_offset_days": 180}, "scanner": {"survivors": 0}}
    return records, report
