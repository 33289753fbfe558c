"""Everything personal or clinical the demo clinic stores, as klinika itself decrypts it, and the
(label, value) pairs the leak tests look for in the bytes at rest.

tests/cli/support.py reads back the people (patients and staff). The demo also stores what a
clinic in use holds about them: every identifier a patient has had (a newborn's former PESEL was
its mother's), the reason for each appointment and for its cancellation, the doctors' visit
records with their diagnoses, allergies. Each of those is looked for too. (Vital signs are numbers
such as 120 or 36.6, found anywhere in any file by chance: they are not looked for one by one;
they are stored in the same encrypted JSON column kind as the visit records, which are.)
"""
from __future__ import annotations

import json

from tests.cli.support import personal_values, run

_READBACK = r'''
import json
from klinika.accounts.models import StaffMember
from klinika.patients.models import Patient, PatientIdentifier
from klinika.records.models import Allergy, EncounterVersion
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

clinic = Clinic.objects.get(slug="demo")
with clinic_context(clinic):
    patients = [
        {"id": p.pk, "first_name": p.first_name, "last_name": p.last_name, "pesel": p.pesel, "phone": p.phone,
         "email": p.email, "address": p.address, "birth_date": p.birth_date.isoformat(), "sex": p.sex,
         "document_type": p.document_type, "document_number": p.document_number,
         "document_country": p.document_country, "pesel_is_mothers": p.pesel_is_mothers,
         "guardian_id": p.guardian_id, "consent_sms": p.consent_sms, "consent_email": p.consent_email,
         "preferred_channel": p.preferred_channel}
        for p in Patient.objects.order_by("pk")
    ]
    staff = [
        {"first_name": s.first_name, "last_name": s.last_name, "phone": s.phone, "email": s.email}
        for s in StaffMember.objects.order_by("pk")
    ]
    identifiers = [
        {"patient_id": i.patient_id, "kind": i.kind, "value": i.value, "replaced": i.replaced_at is not None}
        for i in PatientIdentifier.objects.order_by("pk")
    ]
    appointments = [
        {"status": a.status, "reason": a.reason, "cancel_reason": a.cancel_reason}
        for a in Appointment.objects.order_by("pk")
    ]
    visits = [
        {"content": v.content, "amendment_reason": v.amendment_reason, "signed": v.signed_at is not None}
        for v in EncounterVersion.objects.order_by("pk")
    ]
    allergies = [{"substance": a.substance, "reaction": a.reaction} for a in Allergy.objects.order_by("pk")]
print("KLINIKA-READBACK " + json.dumps({
    "clinic": clinic.name, "patients": patients, "staff": staff, "identifiers": identifiers,
    "appointments": appointments, "visits": visits, "allergies": allergies}))
'''

VISIT_TEXTS = ("interview", "examination", "recommendations")


def read_back_all(env) -> dict:
    """Everything of the demo clinic looked for, decrypted by klinika (same data dir, same key)."""
    result = run(["shell", "-v", "0", "-c", _READBACK], env, check=True)
    for line in result.stdout.splitlines():
        if line.startswith("KLINIKA-READBACK "):
            return json.loads(line.removeprefix("KLINIKA-READBACK "))
    raise AssertionError(f"no read-back line in the output:\n{result.stdout}\n{result.stderr}")


def seeded_values(values: dict) -> list[tuple[str, str]]:
    """(label, value) for every stored value to look for: the people's (support.personal_values),
    every identifier row, and the clinical texts. A text that many rows share (the demo's
    reasons and notes repeat) is looked for once, under the label of its first row."""
    found = personal_values(values)
    seen = {value for _, value in found}

    def add(label, value):
        if isinstance(value, str) and value and value not in seen:
            seen.add(value)
            found.append((label, value))

    for n, row in enumerate(values.get("identifiers", [])):
        add(f"identifiers[{n}].value", row["value"])
    for n, row in enumerate(values.get("appointments", [])):
        add(f"appointments[{n}].reason", row["reason"])
        add(f"appointments[{n}].cancel_reason", row["cancel_reason"])
    for n, row in enumerate(values.get("visits", [])):
        content = row["content"] or {}
        for name in VISIT_TEXTS:
            add(f"visits[{n}].{name}", content.get(name))
        for kind in ("diagnoses", "procedures"):
            for k, entry in enumerate(content.get(kind) or []):
                add(f"visits[{n}].{kind}[{k}].code", entry.get("code"))
                add(f"visits[{n}].{kind}[{k}].name", entry.get("name"))
        add(f"visits[{n}].amendment_reason", row["amendment_reason"])
    for n, row in enumerate(values.get("allergies", [])):
        add(f"allergies[{n}].substance", row["substance"])
        add(f"allergies[{n}].reaction", row["reaction"])
    return found
