"""What the 30-year rule needs: the date and cause of death, encrypted, recorded by a doctor or the registry."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.patients.models import Patient
from klinika.patients.services import record_death
from klinika.tenancy.context import clinic_context
from tests.records.world import raw_rows

pytestmark = pytest.mark.django_db


def test_recorded_encrypted_and_checked(world):
    woman = world.woman
    with clinic_context(world.clinic):
        for died_on, cause, field in [(datetime.date(2999, 1, 1), "injury", "death_date"),
                                      (datetime.date(1980, 1, 1), "injury", "death_date"),  # before birth
                                      (datetime.date(2020, 1, 1), "murder", "death_cause"),
                                      ("yesterday", "injury", "death_date")]:
            with pytest.raises(ValidationError) as error:
                record_death(world.doctor_user, woman.pk, died_on=died_on, cause=cause)
            assert field in error.value.message_dict
        with pytest.raises(PermissionDenied):
            record_death(world.users["nurse"], woman.pk, died_on=datetime.date(2020, 1, 1), cause="injury")
        record_death(world.users["registrar"], woman.pk, died_on=datetime.date(2020, 1, 1), cause="poisoning")
        stored = Patient.objects.get(pk=woman.pk)
        assert (stored.death_date, stored.death_cause) == (datetime.date(2020, 1, 1), "poisoning")
        assert stored.last_name == woman.last_name  # the other sealed details survive
    (details,) = raw_rows("SELECT details FROM patients_patient WHERE id = %s", [woman.pk])[0]
    assert b"poisoning" not in bytes(details) and b"2020-01-01" not in bytes(details)
