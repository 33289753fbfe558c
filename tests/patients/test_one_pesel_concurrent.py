"""Registrations of one PESEL at the same moment, in parallel transactions (threads, each with its
own database connection): exactly one patient exists afterwards, every other one gets the
duplicate answer (409 at the desk, PeselTaken in the service), never a 500. On PostgreSQL the
transactions really overlap; SQLite takes its write lock at BEGIN, so there they queue."""
import threading

import pytest
from django.db import connections

from klinika.patients import services
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult

pytestmark = pytest.mark.django_db(transaction=True)

FORM = {"first_name": "Anna", "last_name": "Kowalska", "pesel": adult()["pesel"], "phone": "600100200",
        "consent_sms": "on", "preferred_channel": "sms", "country": "PL", "document_country": "PL",
        "street": "Długa", "building": "5", "postal_code": "00-950", "city": "Warszawa"}


def _in_parallel(work, count):
    """work(i) in `count` threads released together; returns their results (or exceptions) by i."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            start.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - returned to the test, which names it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_parallel_desk_registrations_of_one_pesel_leave_one_patient(registrar, clinic, client_for):
    clients = [client_for(registrar) for _ in range(4)]
    answers = _in_parallel(lambda i: clients[i].post("/patients/new/", FORM | {"first_name": f"Anna{'x' * i}"}), 4)
    statuses = sorted(getattr(a, "status_code", repr(a)) for a in answers)
    assert statuses == [302, 409, 409, 409], statuses
    for answer in answers:
        if answer.status_code == 409:
            assert "This PESEL belongs to a registered patient" in answer.content.decode()
    with clinic_context(clinic):
        assert Patient.objects.count() == 1


def test_parallel_service_registrations_past_the_checks_meet_the_constraint(registrar, clinic, monkeypatch):
    """The claim (lock and check) skipped, as if each registration had read the table before any
    other inserted: every one is released into its transaction together, and the unique constraint
    alone decides (on PostgreSQL the losers wait on the winner's index entry, then fail); each
    loser hears PeselTaken naming the winner."""
    count = 6
    cleaned = threading.Barrier(count)
    clean = services.clean_patient_data

    def clean_then_wait(*args, **kwargs):
        values = clean(*args, **kwargs)
        cleaned.wait(timeout=30)
        return values

    monkeypatch.setattr(services, "clean_patient_data", clean_then_wait)
    monkeypatch.setattr(services, "_claim_pesel", lambda *a, **k: None)

    def register(i):
        with clinic_context(clinic):
            return services.register_patient(registrar, adult(first_name=f"Anna{'x' * i}"), confirm_duplicates=True)

    results = _in_parallel(register, count)
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["Patient"] + ["PeselTaken"] * (count - 1), [repr(r) for r in results]
    winner = next(r for r in results if isinstance(r, Patient))
    assert {r.holder.pk for r in results if isinstance(r, services.PeselTaken)} == {winner.pk}
    with clinic_context(clinic):
        assert list(Patient.objects.values_list("pk", flat=True)) == [winner.pk]


def test_parallel_service_registrations_with_the_checks_leave_one_patient(registrar, clinic):
    count = 6

    def register(i):
        with clinic_context(clinic):
            return services.register_patient(registrar, adult(first_name=f"Anna{'x' * i}"), confirm_duplicates=True)

    results = _in_parallel(register, count)
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["Patient"] + ["PeselTaken"] * (count - 1), [repr(r) for r in results]
    with clinic_context(clinic):
        assert Patient.objects.count() == 1
