"""The anonymizer's transformation core and the scanner: pure functions over records, no
database (the export/import path feeds them and stores what they return).

Record format "klinika-records/v1" (in and out; dates as date/datetime objects or ISO strings):

- patients: the registration desk's input (`klinika.patients.cleaning.clean_patient_data`):
  first_name, last_name, sex ("M"/"F"), birth_date, pesel, pesel_is_mothers, document_type,
  document_country, document_number, phone, email, address {street, building, apartment,
  postal_code, city, country}, plus "id", "guardian" (a patient id or None),
  guardian_relation, optionally voivodeship and diagnoses (ICD-10 codes).
- appointments: {"id", "patient", "practitioner", "starts_at", "ends_at", "status",
  "booked_at", "reason"}
- visit notes: {"id", "patient", "encounter", "written_at", "text"}
- staff: {"id", "first_name", "last_name", "npwz" or "licence_number", "sex", "profession",
  "title", "specialties", "email", "phone"}

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

    records, report = anonymize(patients, appointments, notes, staff, k=5)

The scanner (`scan(records, SourceIdentifiers.from_records(patients, staff))`) lists every
source identifier left in records; `anonymize` runs it on every record it produces and raises
IdentifiersSurvived (producing nothing) if anything survived.
"""
from klinika.testdata.anonymize.pipeline import IdentifiersSurvived, anonymize, shift
from klinika.testdata.anonymize.scanner import SourceIdentifiers, Survivor, scan
from klinika.testdata.anonymize.secret import RunSecret, SecretDestroyed

__all__ = ["IdentifiersSurvived", "RunSecret", "SecretDestroyed", "SourceIdentifiers", "Survivor", "anonymize",
           "scan", "shift"]
