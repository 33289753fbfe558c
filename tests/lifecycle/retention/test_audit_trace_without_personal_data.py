"""Every step leaves an audit event, and none of them holds the patient's identity or the hold's reason."""
import pytest
from django.db import connection

from klinika.audit.verify import verify
from klinika.lifecycle.retention import services
from klinika.tenancy.context import clinic_context

from .conftest import at

pytestmark = pytest.mark.django_db


def _audit_text(clinic) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent WHERE clinic_id = %s",
                       [clinic.pk.hex if connection.vendor == "sqlite" else clinic.pk])
        return "\n".join(" | ".join(str(value) for value in row) for row in cursor.fetchall())


def test_the_trail_keeps_a_trace_without_personal_data(world, old, file_store):
    patient = old.patient(at(2001, 2, 2))
    xray = old.attachment(patient, at(2001, 2, 2))
    reason = "Sygn. akt I C 777/26"
    with clinic_context(world.clinic):
        services.refresh_queue()
        hold = services.place_hold(world.users["dpo"], str(patient.subject_ref), reason)
        services.approve(world.users["admin"])
        services.run()
        services.release_hold(world.users["dpo"], hold.public_id, "Zakończono")
        services.run()
    text = _audit_text(world.clinic)
    for personal in (patient.pesel, patient.first_name, patient.last_name, patient.phone, patient.email,
                     patient.address["street"], reason, "Zakończono"):
        assert personal and personal not in text, personal
    lines = text.splitlines()
    for ref, kind in ((patient.subject_ref, "retention-patient"), (xray.public_id, "retention-xray")):
        (trace,) = [line for line in lines if kind in line]
        assert str(ref) in trace and "due 20" in trace and ("doc-20y" in trace or "xray-10y" in trace)
    assert any("retention approved" in line for line in lines)
    assert sum("legal hold" in line for line in lines) == 2
    assert verify(world.clinic.pk).ok  # and the chain is intact
