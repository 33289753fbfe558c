import pytest

from klinika.audit.models import Action
from klinika.audit.services import checkpoint, record
from klinika.tenancy.context import clinic_context


@pytest.fixture
def chain(clinic):
    """A clinic chain of 20 events (plus the clinic's creation events) with a checkpoint in the middle."""
    with clinic_context(clinic):
        for i in range(10):
            record(Action.READ, object_type="patient", object_id=i)
        checkpoint(clinic.pk)
        for i in range(10, 20):
            record(Action.UPDATE, object_type="patient", object_id=i)
    return clinic
