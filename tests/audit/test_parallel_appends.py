"""Parallel writers never fork a chain: sequence numbers stay dense and the chain verifies."""
import threading

import pytest
from django.db import close_old_connections, connection

from klinika.audit.models import Action, AuditEvent
from klinika.audit.services import record
from klinika.audit.verify import verify
from klinika.tenancy.context import clinic_context


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_one_linear_chain(make_clinic):
    clinic = make_clinic()
    errors = []
    barrier = threading.Barrier(8)

    def writer(n):
        try:
            barrier.wait()
            with clinic_context(clinic):
                for i in range(10):
                    record(Action.READ, object_type="patient", object_id=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with clinic_context(clinic):
        seqs = sorted(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 80
    assert verify(clinic.pk).ok
