"""One live clinic's records in klinika-records/v1 (the anonymizer's input), read, never written.

    with clinic_context(clinic):
        export = ClinicExport(clinic)
        staff, patients = export.staff(), export.patients()      # whole: k-anonymity needs them all
        for appointment in export.appointments(): ...            # streamed, a chunk of patients at a time

Patients, staff, visit types and weekly hours are read whole (a few hundred bytes a patient);
appointments, signed visit records, allergies and vital signs stream patient chunk by patient
chunk, ordered by patient, so each chunk's subject keys are loaded in one query
(keystore.load_subject_keys, like the bulk imports) and dropped after it (forget_subject_keys):
memory stays one chunk of rows plus the patients. Everything is read under the clinic's context;
a person whose key was destroyed (crypto-erased) is left out, with everything of theirs.

`copy_clinic_dataset` writes the export as it is (no transformation) through the same dataset
writer as `klinika anonymize --clinic`: the anonymizer benchmark's baseline on a synthetic
clinic, never a command (a copy of real data is what this product forbids) and refused in
production.
"""
import functools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings

from klinika.accounts.models import StaffMember
from klinika.crypto import keystore
from klinika.crypto.fields import ERASED
from klinika.environments import PRODUCTION
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Encounter, EncounterVersion, VitalSigns
from klinika.scheduling.models import Appointment, VisitType, WeeklyAvailability
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from klinika.testdata.anonymize.production_scan import ProductionScanner
from klinika.testdata.anonymize.records_io import anonymize_to_dataset, write_records_dataset
from klinika.testdata.datasets.container import Signer
from klinika.testdata.synth import reference
from klinika.testdata.synth_clinic import SynthReport

CHUNK_PATIENTS = 500
PER_PATIENT_FILES = ("appointments", "encounters", "allergies", "vitals")
Progress = Callable[[str, int, int], None] | None


@functools.cache
def _sex_of_first_names() -> dict[str, str]:
    """Folded given name -> "M"/"F", for names the reference list gives one sex only."""
    table = reference.first_names()
    seen: dict[str, set] = {}
    for (sex, _origin, _era), choice in table.groups.items():
        for i in choice.values.tolist():
            seen.setdefault(str(table.folded[i]), set()).add(sex)
    return {name: next(iter(sexes)) for name, sexes in seen.items() if len(sexes) == 1}


def sex_from_first_name(first_name: str) -> str | None:
    """Staff records hold no sex; the first given name tells it for most Polish names (else None)."""
    words = (first_name or "").split()
    return _sex_of_first_names().get(reference.fold(words[0])) if words else None


def _erased(values) -> bool:
    return values is ERASED or (isinstance(values, dict) and any(v is ERASED for v in values.values()))


class ClinicExport:
    """The reads of one clinic's export; call them inside `clinic_context(clinic)`, staff and
    patients first (the per-patient streams cover the patients read)."""

    def __init__(self, clinic, *, chunk_size: int = CHUNK_PATIENTS, progress: Progress = None):
        self.clinic = clinic
        self.chunk_size = chunk_size
        self.progress = progress
        self.subject_refs: dict[int, object] = {}  # exported patient pk -> subject_ref
        self._diagnoses: dict[int, list] = {}
        self.practitioner_ids: set[int] = set()

    # ---- staff and the schedule -------------------------------------------------------------

    def staff(self) -> list[dict]:
        """Practitioners (with licence, specialties, sex from the first name when it tells it)."""
        out = []
        practitioners = (Practitioner.objects.select_related("staff").prefetch_related("specialties")
                         .order_by("pk"))
        members = list(practitioners)
        keystore.load_subject_keys(self.clinic.id, [p.staff.subject_ref for p in members])
        for p in members:
            member = p.staff
            if _erased({"a": member.first_name, "b": member.last_name, "c": p.licence_number}):
                continue
            self.practitioner_ids.add(p.pk)
            out.append({"id": p.pk, "first_name": member.first_name, "last_name": member.last_name,
                        "sex": sex_from_first_name(member.first_name), "profession": p.profession,
                        "licence_number": p.licence_number, "title": p.title,
                        "specialties": sorted(s.code for s in p.specialties.all()),
                        "email": member.email or "", "phone": member.phone or "", "is_active": p.is_active})
        keystore.forget_subject_keys(self.clinic.id, [p.staff.subject_ref for p in members])
        return out

    def other_staff(self) -> list[dict]:
        """Staff members who see no patients (desk, admins): not exported, but their names, e-mails
        and phones are identifiers free text may hold, for the scrubber and the scanner."""
        members = list(StaffMember.objects.exclude(practitioner__isnull=False).order_by("pk"))
        keystore.load_subject_keys(self.clinic.id, [m.subject_ref for m in members])
        out = [{"id": f"member-{m.pk}", "first_name": m.first_name, "last_name": m.last_name,
                "email": m.email or "", "phone": m.phone or ""}
               for m in members if not _erased({"a": m.first_name, "b": m.last_name})]
        keystore.forget_subject_keys(self.clinic.id, [m.subject_ref for m in members])
        return out

    def visit_types(self) -> list[dict]:
        return [{"id": pk, "code": code, "name": name, "duration_minutes": minutes}
                for pk, code, name, minutes in VisitType.objects.order_by("pk").values_list(
                    "pk", "code", "name", "duration_minutes")]

    def weekly_hours(self) -> list[dict]:
        """import_weekly_hours' rows, with record ids: "practitioner", "visit_type_ids"."""
        hours = WeeklyAvailability.objects.filter(practitioner_id__in=self.practitioner_ids).order_by("pk")
        types: dict[int, list] = {}
        through = WeeklyAvailability.visit_types.through
        for hours_id, type_id in through.objects.filter(weeklyavailability__in=hours).order_by("pk").values_list(
                "weeklyavailability_id", "visittype_id"):
            types.setdefault(hours_id, []).append(type_id)
        return [{"id": h["pk"], "practitioner": h["practitioner_id"], "weekday": h["weekday"],
                 "start_time": h["start_time"], "end_time": h["end_time"],
                 "slot_minutes": h["slot_minutes"], "visit_type_ids": types.get(h["pk"], []),
                 "valid_from": h["valid_from"], "valid_until": h["valid_until"]}
                for h in hours.values("pk", "practitioner_id", "weekday", "start_time", "end_time", "slot_minutes",
                                      "valid_from", "valid_until")]

    # ---- patients -------------------------------------------------------------------------------

    def _patient_chunks(self, pks: list[int]) -> Iterator[list[int]]:
        for start in range(0, len(pks), self.chunk_size):
            yield pks[start:start + self.chunk_size]

    def _with_keys(self, pks: list[int]):
        """Context: the subject keys of these patients cached for the block, dropped after it."""
        return _SubjectKeys(self.clinic.id, [self.subject_refs[pk] for pk in pks if pk in self.subject_refs])

    def patients(self) -> list[dict]:
        """The desk's fields decrypted, guardian links, and "diagnoses": the ICD-10 codes of the
        patient's signed visits (a quasi-identifier, for k-anonymity). Merged-away records and
        crypto-erased people are left out; a guardian link to one of them is cut."""
        rows = list(Patient.objects.filter(merged_into__isnull=True).order_by("pk").values_list("pk", "subject_ref"))
        refs = dict(rows)
        out, done = [], 0
        for pks in self._patient_chunks([pk for pk, _ref in rows]):
            with _SubjectKeys(self.clinic.id, [refs[pk] for pk in pks]):
                diagnoses = self._diagnoses_of(pks)
                for pk, personal, details, mothers, document_type, guardian, relation in (
                        Patient.objects.filter(pk__in=pks).order_by("pk").values_list(
                            "pk", "personal", "details", "pesel_is_mothers", "document_type", "guardian_id",
                            "guardian_relation")):
                    if personal is None or _erased(personal) or _erased(details):
                        continue
                    details = details or {}
                    self.subject_refs[pk] = refs[pk]
                    out.append({
                        "id": pk, "first_name": personal.get("first_name") or "",
                        "last_name": personal.get("last_name") or "", "sex": personal.get("sex") or "",
                        "birth_date": personal.get("birth_date"), "pesel": personal.get("pesel") or "",
                        "pesel_is_mothers": mothers, "document_type": document_type or "",
                        "document_country": details.get("document_country") or "",
                        "document_number": details.get("document_number") or "",
                        "phone": personal.get("phone") or "", "email": personal.get("email") or "",
                        "address": details.get("address") or {}, "guardian": guardian,
                        "guardian_relation": relation or "", "diagnoses": diagnoses.get(pk, [])})
            done += len(pks)
            self._tick("patients", done, len(rows))
        for person in out:
            if person["guardian"] is not None and person["guardian"] not in self.subject_refs:
                person["guardian"], person["guardian_relation"] = None, ""
        return out

    def _diagnoses_of(self, pks: list[int]) -> dict[int, list]:
        codes: dict[int, list] = {}
        for patient_id, content in self._signed_contents(pks):
            known = codes.setdefault(patient_id, [])
            for entry in content.get("diagnoses") or ():
                code = entry.get("code") if isinstance(entry, dict) else entry
                if code and code not in known:
                    known.append(code)
        return codes

    def _signed_contents(self, pks: list[int]) -> Iterator[tuple[int, dict]]:
        """(patient pk, content of the encounter's latest signed version) of signed visits."""
        for patient_id, _encounter_id, content in self._latest_signed(pks):
            yield patient_id, content

    def _latest_signed(self, pks: list[int]) -> Iterator[tuple[int, int, dict]]:
        latest: dict[int, tuple] = {}
        versions = (EncounterVersion.objects.filter(encounter__patient_id__in=pks, signed_at__isnull=False,
                                                    encounter__status=Encounter.Status.SIGNED)
                    .order_by("encounter_id", "number")
                    .values_list("encounter__patient_id", "encounter_id", "content"))
        for patient_id, encounter_id, content in versions:
            latest[encounter_id] = (patient_id, content)  # ordered by number: the last one wins
        for encounter_id, (patient_id, content) in latest.items():
            if isinstance(content, dict):
                yield patient_id, encounter_id, content

    # ---- what each patient has, streamed -----------------------------------------------------------

    def _each_chunk(self, step: str, read) -> Iterator[dict]:
        pks = sorted(self.subject_refs)
        done = 0
        for chunk in self._patient_chunks(pks):
            with self._with_keys(chunk):
                yield from read(chunk)
            done += len(chunk)
            self._tick(step, done, len(pks))

    def appointments(self) -> Iterator[dict]:
        def read(pks):
            rows = (Appointment.objects.filter(patient_id__in=pks, practitioner_id__in=self.practitioner_ids)
                    .order_by("patient_id", "pk")
                    .values_list("pk", "patient_id", "practitioner_id", "visit_type_id", "starts_at", "ends_at",
                                 "status", "created_at", "cancelled_at", "reason", "cancel_reason"))
            for pk, patient, practitioner, visit_type, starts, ends, status, booked, cancelled, reason, why in rows:
                yield {"id": pk, "patient": patient, "practitioner": practitioner, "visit_type": visit_type,
                       "starts_at": starts, "ends_at": ends, "status": status, "booked_at": booked,
                       "cancelled_at": cancelled, "reason": _text(reason), "cancel_reason": _text(why)}
        return self._each_chunk("appointments", read)

    def encounters(self) -> Iterator[dict]:
        """Signed visit records, each with its latest signed version's content."""
        def read(pks):
            contents = {encounter_id: content for _p, encounter_id, content in self._latest_signed(pks)}
            rows = (Encounter.objects.filter(patient_id__in=pks, pk__in=list(contents),
                                             practitioner_id__in=self.practitioner_ids)
                    .order_by("patient_id", "pk")
                    .values_list("pk", "appointment_id", "patient_id", "practitioner_id", "started_at", "signed_at"))
            for pk, appointment, patient, practitioner, started, signed in rows:
                content = contents[pk]
                yield {"id": pk, "appointment": appointment, "patient": patient, "practitioner": practitioner,
                       "started_at": started, "signed_at": signed,
                       "content": {"interview": content.get("interview") or "",
                                   "examination": content.get("examination") or "",
                                   "recommendations": content.get("recommendations") or "",
                                   "diagnoses": [{"code": d.get("code"), "main": bool(d.get("main"))}
                                                 for d in content.get("diagnoses") or () if isinstance(d, dict)],
                                   "procedures": [{"code": p.get("code")} for p in content.get("procedures") or ()
                                                  if isinstance(p, dict)]}}
        return self._each_chunk("visit records", read)

    def allergies(self) -> Iterator[dict]:
        def read(pks):
            rows = (Allergy.objects.filter(patient_id__in=pks).order_by("patient_id", "pk")
                    .values_list("pk", "patient_id", "substance", "reaction", "severity", "is_active", "recorded_at"))
            for pk, patient, substance, reaction, severity, active, recorded in rows:
                if substance is ERASED:
                    continue
                yield {"id": pk, "patient": patient, "substance": substance or "", "reaction": _text(reaction),
                       "severity": severity, "is_active": active, "recorded_at": recorded}
        return self._each_chunk("allergies", read)

    def vitals(self) -> Iterator[dict]:
        """Measurements no correction replaced (a correction's row is the one that stands)."""
        def read(pks):
            rows = (VitalSigns.objects.filter(patient_id__in=pks, superseded_by__isnull=True)
                    .order_by("patient_id", "pk").values_list("pk", "patient_id", "encounter_id", "values",
                                                               "recorded_at"))
            for pk, patient, encounter, values, recorded in rows:
                if isinstance(values, dict):
                    yield {"id": pk, "patient": patient, "encounter": encounter, "values": values,
                           "recorded_at": recorded}
        return self._each_chunk("vitals", read)

    def _tick(self, step: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(step, done, total)


def _text(value) -> str:
    return "" if value is None or value is ERASED else value


class _SubjectKeys:
    def __init__(self, clinic_id, refs):
        self.clinic_id, self.refs = clinic_id, list(refs)

    def __enter__(self):
        keystore.load_subject_keys(self.clinic_id, self.refs)
        return self

    def __exit__(self, *exc):
        keystore.forget_subject_keys(self.clinic_id, self.refs)


def export_files(export: ClinicExport, staff: list[dict], patients: list[dict]) -> dict[str, Iterable[dict]]:
    """Every klinika-records/v1 file of the export, in the order a dataset holds them (the
    per-patient ones lazy: iterate them inside the clinic's context)."""
    return {"staff": staff, "visit_types": export.visit_types(), "weekly_hours": export.weekly_hours(),
            "patients": patients, "appointments": export.appointments(), "encounters": export.encounters(),
            "allergies": export.allergies(), "vitals": export.vitals()}


def synthetic_clinic_dataset(report: SynthReport, parameters: dict, out: str | Path, *, recipient: bytes,
                             signer: Signer, days: int = 30, progress: Progress = None) -> dict:
    """The clinic `build_clinic` has just generated (its report is the proof that it holds
    generated people only), exported as a signed synthetic dataset for one test environment.
    Returns the counts per file. The caller shreds the clinic afterwards."""
    clinic = report.clinic
    with clinic_context(clinic):
        export = ClinicExport(clinic, progress=progress)
        staff, patients = export.staff(), export.patients()
        return write_records_dataset(export_files(export, staff, patients), out, recipient=recipient, signer=signer,
                                     origin="synthetic", generator="klinika-synth/1",
                                     parameters={"format": "klinika-records/v1", "clinic_name": clinic.name,
                                                 "clinic_slug": clinic.slug, **parameters}, days=days)


def copy_clinic_dataset(clinic, out: str | Path, *, recipient: bytes, signer: Signer, days: int = 30,
                        chunk_size: int = CHUNK_PATIENTS, progress: Progress = None) -> dict:
    """The export written untransformed through the same writer as the anonymizer: the baseline
    the anonymizer benchmark measures against, on a synthetic clinic. Refused in production
    (it would be a signed copy of real data). Returns the counts per file."""
    if settings.KLINIKA_ENV == PRODUCTION:
        raise PermissionError("A plain copy of a clinic is never made in production: the anonymizer "
                              "(`klinika anonymize --clinic`) is the only way clinic data leaves it.")
    with clinic_context(clinic):
        export = ClinicExport(clinic, chunk_size=chunk_size, progress=progress)
        staff, patients = export.staff(), export.patients()
        return write_records_dataset(export_files(export, staff, patients), out, recipient=recipient, signer=signer,
                                     origin="copy", generator="klinika-copy/1",
                                     parameters={"format": "klinika-records/v1", "copy": True}, days=days)


def anonymize_clinic(clinic, out: str | Path, *, recipient: bytes, signer: Signer, k: int = 5, days: int = 30,
                     today=None, chunk_size: int = CHUNK_PATIENTS, progress: Progress = None) -> dict:
    """`klinika anonymize --clinic`: the clinic read under its context and anonymized on the way
    into a signed dataset at `out` (nothing signed, the dataset removed, if any source identifier
    survives: IdentifiersSurvived). Returns the anonymizer's report."""
    with clinic_context(clinic):
        export = ClinicExport(clinic, chunk_size=chunk_size, progress=progress)
        staff, others, patients = export.staff(), export.other_staff(), export.patients()
        # Checked on the way out against every live clinic's blind indexes. The names of this
        # clinic's people, in every inflected form, are the anonymizer's own scanner's job (it
        # refuses on any of them); the scan's name pass would repeat it at a quarter of the run's time.
        scanner = ProductionScanner(None, name_clinics=[])
        return anonymize_to_dataset(export_files(export, staff, patients), out, recipient=recipient, signer=signer,
                                    k=k, days=days, today=today, other_people=others, production_scanner=scanner)
