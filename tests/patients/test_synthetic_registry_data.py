"""The synthetic generator's documents, consents and families pass the registry's own rules."""
import pytest

from klinika.patients import services, validators
from klinika.testdata.synthetic import SyntheticPeople
from tests.patients.factories import adult

pytestmark = pytest.mark.django_db


def test_the_extras_do_not_change_what_a_seed_gives():
    plain = SyntheticPeople(seed=99)
    mixed = SyntheticPeople(seed=99)
    expected = [plain.patient() for _ in range(4)] + [plain.staff()]
    got = []
    for _ in range(4):
        got.append(mixed.patient())
        mixed.foreigner(), mixed.id_card_number(), mixed.passport_number(), mixed.consents(got[-1])
    got.append(mixed.staff())
    assert got == expected


def test_generated_document_numbers_have_valid_check_digits():
    people = SyntheticPeople(seed=5)
    for _ in range(50):
        assert validators.id_card_is_valid(people.id_card_number())
        assert validators.polish_passport_is_valid(people.passport_number())


def test_generated_families_and_foreigners_register(registrar, in_clinic):
    people = SyntheticPeople(seed=7)
    mother_data = adult(first_name="Ewa", last_name="Kowalska")  # an adult for sure
    mother = services.register_patient(registrar, people.with_id_card(mother_data))
    baby = services.register_patient(registrar, people.newborn(mother_data) | {"guardian_id": mother.pk})
    child = services.register_patient(registrar, people.child(mother_data) | {"guardian_id": mother.pk})
    foreigner = services.register_patient(registrar, people.foreigner(), confirm_duplicates=True)
    assert baby.pesel_is_mothers and baby.guardian_id == mother.pk and baby.last_name in ("Kowalska", "Kowalski")
    assert child.guardian_id == mother.pk and not child.pesel_is_mothers
    assert foreigner.pesel == "" and foreigner.document_country == "UA"
    assert mother.document_type == "id_card"
