"""`klinika synth`: the same seed gives the same clinic (compared decrypted: people, schedules, leave, visits,
measurements, allergies, e-documents), another seed another one."""
import pytest
from django.utils import timezone

from klinika.edocs.models import Prescription, Referral, SickLeave
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Encounter, VitalSigns
from klinika.scheduling.models import Appointment, AvailabilityException, WeeklyAvailability
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from tests.testdata.synth_clinic_support import synth

pytestmark = pytest.mark.django_db


def decrypted(clinic) -> dict:
    """The clinic's content without its database ids, logins or key material."""
    with clinic_context(clinic):
        patients = list(Patient.objects.order_by("pk"))
        order = {p.pk: n for n, p in enumerate(patients)}
        practitioners = list(Practitioner.objects.select_related("staff").order_by("pk"))
        staff_order = {p.pk: n for n, p in enumerate(practitioners)}
        return {
            "patients": [(p.first_name, p.last_name, p.pesel, p.pesel_is_mothers, p.birth_date, p.sex,
                          p.document_number, p.address, p.phone, p.email, order.get(p.guardian_id),
                          p.guardian_relation) for p in patients],
            "practitioners": [(p.staff.first_name, p.staff.last_name, p.licence_number, p.profession, p.title,
                               sorted(s.code for s in p.specialties.all())) for p in practitioners],
            "hours": sorted((staff_order[h.practitioner_id], h.weekday, h.start_time, h.end_time, h.valid_from)
                            for h in WeeklyAvailability.objects.all()),
            "appointments": [(order[a.patient_id], staff_order[a.practitioner_id], timezone.localtime(a.starts_at),
                              a.status, a.created_at, a.cancelled_at, a.reason, a.cancel_reason)
                             for a in Appointment.objects.order_by("pk")],
            "records": [(e.appointment.starts_at, e.signed_at, e.current.content)
                        for e in Encounter.objects.select_related("appointment", "current").order_by("pk")],
            "leave": [(staff_order[e.practitioner_id], e.starts_at, e.ends_at, e.note)
                      for e in AvailabilityException.objects.order_by("pk")],
            "allergies": [(order[a.patient_id], a.substance, a.reaction, a.severity, a.recorded_at)
                          for a in Allergy.objects.order_by("pk")],
            "vitals": [(order[v.patient_id], v.values, v.recorded_at) for v in VitalSigns.objects.order_by("pk")],
            "documents": [(d.number, d.status, order[d.patient_id], d.signed_at, d.content)
                          for model in (Prescription, Referral, SickLeave) for d in model.objects.order_by("pk")],
        }


def test_the_same_seed_gives_the_same_clinic_and_another_seed_another():
    first = decrypted(synth("Przychodnia Pierwsza", seed=5, patients=150))
    second = decrypted(synth("Przychodnia Druga", seed=5, patients=150))
    assert len(first["patients"]) == 150 and len(first["appointments"]) > 100 and len(first["records"]) > 50
    assert first["leave"] and first["allergies"] and first["vitals"] and first["documents"]
    assert first == second
    other = decrypted(synth("Przychodnia Trzecia", seed=6, patients=150))
    assert other["patients"] != first["patients"] and other["appointments"] != first["appointments"]
