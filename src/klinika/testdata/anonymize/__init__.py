"""The anonymizer's transformation core and the scanner: pure functions over records, no
database (the export/import path feeds them and stores what they return).

Record format "klinika-records/v1" (in and out; one JSON object a line in `NAME.jsonl` of a
dataset or `NAME.ndjson` for --from-records; dates as date/datetime objects or ISO strings,
datetimes with their offset; ids opaque, unique within their file, references name ids of other
files; unknown fields are dropped):

- staff: {"id", "first_name", "last_name", "sex", "profession", "licence_number" (or "npwz"),
  "title", "specialties" (codes), "email", "phone", "is_active"}
- visit_types: {"id", "code", "name", "duration_minutes"}
- weekly_hours: {"id", "practitioner" (a staff id), "weekday", "start_time", "end_time",
  "slot_minutes", "visit_type_ids" (visit type ids), "valid_from", "valid_until"}
- patients: the registration desk's input (`klinika.patients.cleaning.clean_patient_data`):
  first_name, last_name, sex ("M"/"F"), birth_date, pesel, pesel_is_mothers, document_type,
  document_country, document_number, phone, email, address {street, building, apartment,
  postal_code, city, country}, plus "id", "guardian" (a patient id or None),
  guardian_relation, optionally voivodeship and "diagnoses" (the ICD-10 codes of the patient's
  signed visits). Released: "address" {postal_code "31-xxx", city, country, voivodeship} and
  "birth_year" (the released year or band).
- appointments: {"id", "patient", "practitioner", "visit_type", "starts_at", "ends_at", "status",
  "booked_at", "cancelled_at", "reason", "cancel_reason"}
- encounters (signed visits): {"id", "appointment", "patient", "practitioner", "started_at",
  "signed_at", "content": {"interview", "examination", "recommendations" (free text),
  "diagnoses": [{"code", "main"}], "procedures": [{"code"}]}}
- notes (legacy visit notes, --from-records): {"id", "patient", "encounter", "written_at", "text"}
- allergies: {"id", "patient", "substance", "reaction", "severity", "is_active", "recorded_at"}
- vitals: {"id", "patient", "encounter", "values": {name: number}, "recorded_at"}

A live clinic is read into this format by `klinika.testdata.export.ClinicExport`.

What comes out: every id an opaque keyed token (the same source id, the same token, so
foreign keys resolve); names, PESEL (valid, for the shifted birth date and the same sex),
phones, e-mails (reserved example.* domains), document and licence numbers replaced by keyed
pseudonyms that are never a source value; each patient's dates (birth, appointments, notes,
dates written in notes) moved by one keyed offset of ±1–180 days, so intervals survive;
addresses cut to town (a tiny town → its powiat's seat), postal prefix ("31-xxx") and
voivodeship; free text scrubbed of the patient's own identifiers, the clinic's names, then
patterns; patients' quasi-identifiers (birth year, sex, location, passport country, rare
diagnoses) coarsened until every group has at least k members, the rest suppressed. Unknown
fields are dropped. The released birth year (or band) is "birth_year"; birth_date and PESEL
carry the shifted date (which the desk needs whole): within ±180 days of the truth, and the
destroyed secret makes the shift impossible to undo.

    records, report = anonymize(patients, appointments, notes, staff, k=5,
                                encounters=..., allergies=..., vitals=..., visit_types=..., weekly_hours=...)

Visit types and weekly hours pass (ids pseudonymous); every free-text field (reasons, visit
records, allergies) is scrubbed like a note; codes and measurements are kept.

The scanner (`scan(records, SourceIdentifiers.from_records(patients, staff))`) lists every
source identifier left in records; `anonymize` runs it on every record it produces and raises
IdentifiersSurvived (producing nothing) if anything survived; `records_io.anonymize_to_dataset`
streams the records into a dataset and signs it only if nothing did.
"""
from klinika.testdata.anonymize.pipeline import IdentifiersSurvived, anonymize, shift
from klinika.testdata.anonymize.scanner import SourceIdentifiers, Survivor, scan
from klinika.testdata.anonymize.secret import RunSecret, SecretDestroyed

__all__ = ["IdentifiersSurvived", "RunSecret", "SecretDestroyed", "SourceIdentifiers", "Survivor", "anonymize",
           "scan", "shift"]
