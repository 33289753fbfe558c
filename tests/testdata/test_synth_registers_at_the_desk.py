"""Generated families, foreigners and newborns register through the desk's own service
(patients.services.register_patient): guardians first, then their wards linked to them, and what
is stored reads back as generated."""
import numpy as np
import pytest

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.patients import services
from klinika.patients.models import Patient
from tests.testdata.synth_support import population

pytestmark = pytest.mark.django_db


def _pick() -> list[dict]:
    """From the first 10,000 of a generated population: every newborn with the mother's PESEL,
    a dozen other minors, a few passport holders, and the guardians they need."""
    batch = population(100_000, seed=3)[0]
    rows = list(batch.rows())
    newborns = [r for r in rows if r["pesel_is_mothers"]]
    minors = [r for r in rows if r["guardian"] is not None and not r["pesel_is_mothers"]][:12]
    foreigners = [r for r in rows if r["document_type"] == "passport" and r["guardian"] is None][:4]
    assert newborns and minors and foreigners
    guardians = {r["guardian"] for r in newborns + minors}
    chosen = {r["id"]: r for r in [rows[i - int(batch.id[0])] for i in guardians] + newborns + minors + foreigners}
    return sorted(chosen.values(), key=lambda r: r["id"])  # guardians have lower ids than wards


def _desk_input(row, guardian_pk) -> dict:
    keys = ("first_name", "last_name", "pesel", "pesel_is_mothers", "sex", "phone", "email",
            "document_type", "document_country", "document_number", "address")
    data = {key: row[key] for key in keys} | {"birth_date": row["birth_date"].isoformat()}
    if guardian_pk is not None:
        data |= {"guardian_id": guardian_pk, "guardian_relation": row["guardian_relation"]}
    return data


def test_generated_people_register_and_read_back(in_clinic):
    registrar = User.objects.create_user("synth-registrar", "correct-horse-battery", role=Role.REGISTRAR,
                                         clinic=in_clinic)
    people = _pick()
    stored = {}
    for row in people:
        guardian_pk = stored[row["guardian"]] if row["guardian"] is not None else None
        patient = services.register_patient(registrar, _desk_input(row, guardian_pk), confirm_duplicates=True)
        stored[row["id"]] = patient.pk
    assert len(stored) == len(people) > 20
    for row in people:
        patient = Patient.objects.get(pk=stored[row["id"]])
        assert (patient.first_name, patient.last_name, patient.pesel, patient.birth_date, patient.sex) == (
            row["first_name"], row["last_name"], row["pesel"], row["birth_date"], row["sex"])
        assert (patient.phone, patient.email, patient.document_number) == (
            row["phone"], row["email"], row["document_number"])
        assert patient.address["postal_code"] == row["address"]["postal_code"]
        assert patient.address["city"] == row["address"]["city"]
        expected_guardian = stored[row["guardian"]] if row["guardian"] is not None else None
        assert patient.guardian_id == expected_guardian
        assert patient.pesel_is_mothers == row["pesel_is_mothers"]
    assert np.mean([r["guardian"] is not None for r in people]) > 0.3
