"""Two doctors issuing prescriptions at the same moment never get the same number."""
import threading

import pytest
from django.db import connections

from klinika.edocs import services
from klinika.edocs.models import Prescription
from klinika.tenancy.context import clinic_context
from tests.edocs.world import build, free_item, make_doctor

PER_DOCTOR = 25


@pytest.mark.django_db(transaction=True)
def test_two_doctors_issuing_in_parallel_get_distinct_consecutive_numbers(clinic, people):
    world = build(clinic, people)
    second, _practitioner = make_doctor(clinic, people, licence="3123456")
    doctors = [world.doctor, second]
    start = threading.Barrier(len(doctors))
    failures = []

    def issue(doctor):
        try:
            start.wait()
            with clinic_context(clinic):
                for _ in range(PER_DOCTOR):
                    services.issue_prescriptions(doctor, patient_id=world.patient.pk, items=[free_item(), free_item()])
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's error
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(doctor,)) for doctor in doctors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with clinic_context(clinic):
        numbers = list(Prescription.objects.values_list("number", flat=True))
    expected = 2 * PER_DOCTOR * len(doctors)
    assert len(numbers) == len(set(numbers)) == expected
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, expected + 1))
