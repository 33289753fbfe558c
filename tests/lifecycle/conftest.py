import pytest
from django.db import connection

from klinika.crypto.fields import EncryptedField
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

ENCRYPTED = ["first_name", "last_name", "pesel", "birth_date", "sex", "address", "phone", "email"]
# The columns that hold them (several fields may be sealed in one column)
ENCRYPTED_COLUMNS = [f.column for f in Patient._meta.concrete_fields if isinstance(f, EncryptedField)]


def raw_rows(clinic):
    """The encrypted columns as stored: what a database copy or backup would hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {', '.join(ENCRYPTED_COLUMNS)} FROM patients_patient WHERE clinic_id = %s ORDER BY id",
            [clinic.pk.hex if connection.vendor == "sqlite" else clinic.pk],
        )
        return [(row[0], [bytes(v) for v in row[1:]]) for row in cursor.fetchall()]


@pytest.fixture
def populated(make_clinic, people):
    """Two clinics with a few patients each."""
    clinics = {}
    for name in ("a", "b"):
        clinic = make_clinic()
        with clinic_context(clinic):
            for _ in range(4):
                Patient(**people.patient()).save()
        clinics[name] = clinic
    return clinics
