"""Every e-prescription rule refuses bad input with a message naming the problem, and stores nothing."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.edocs import services
from klinika.edocs.models import Drug
from klinika.tenancy.context import clinic_context
from tests.edocs.helpers import messages_of, stored
from tests.edocs.world import amoxicillin_item, free_item

pytestmark = pytest.mark.django_db


def _refused(world, items) -> dict:
    with clinic_context(world.clinic):
        before = stored()
        with pytest.raises(ValidationError) as caught:
            services.issue_prescriptions(world.doctor, encounter_id=world.encounter.pk, items=items)
        assert stored() == before
    return messages_of(caught)


def _vaccine_item(**overrides):
    drug = Drug.objects.filter(is_immunological=True, name__startswith="Vaccinum influenzae").first()
    return {"drug_id": drug.pk, "dosage": "0,5 ml domięśniowo", "quantity": 1} | overrides


def test_six_drugs_in_a_package(world):
    errors = _refused(world, [free_item()] * 6)
    assert errors == {"items": ["A package holds at most 5 prescriptions (one drug each); you entered 6. "
                                "Issue the others in a second package."]}


def test_an_empty_package(world):
    assert _refused(world, []) == {"items": ["A prescription package needs at least one drug."]}


def test_an_antibiotic_valid_longer_than_7_days(world):
    errors = _refused(world, [free_item(), amoxicillin_item(validity_days=30)])
    assert errors == {"items.2.validity_days": ["An antibiotic prescription is valid for at most 7 days; "
                                                "you entered 30."]}


def test_an_immunological_preparation_valid_longer_than_120_days(world):
    errors = _refused(world, [_vaccine_item(validity_days=121)])
    assert errors["items.1.validity_days"] == [
        "A prescription for an immunological preparation is valid for at most 120 days; you entered 121."]


def test_validity_over_365_days(world):
    errors = _refused(world, [free_item(validity_days=366, supply_days=180)])
    assert errors["items.1.validity_days"] == ["A prescription is valid for at most 365 days; you entered 366."]


def test_chronic_therapy_needs_a_supply_of_at_most_180_days(world):
    assert _refused(world, [free_item(validity_days=90)])["items.1.supply_days"] == [
        "A validity over 30 days is for chronic therapy: give the supply in days (at most 180)."]
    assert _refused(world, [free_item(validity_days=365, supply_days=181)])["items.1.supply_days"] == [
        "At most a 180-day supply may be prescribed; you entered 181 days."]


def test_valid_from_in_the_past_or_too_far_ahead(world):
    today = timezone.localdate()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert _refused(world, [free_item(valid_from=yesterday)])["items.1.valid_from"] == [
        f"A prescription cannot be valid from a day before it is issued ({today.isoformat()})."]
    late = (today + datetime.timedelta(days=350)).isoformat()
    message = _refused(world, [free_item(valid_from=late)])["items.1.valid_from"][0]
    assert "more than 365 days after it is issued" in message


def test_a_gtin_with_a_wrong_check_digit(world):
    errors = _refused(world, [free_item(gtin="5909990000001")])
    assert errors == {"items.1.gtin": ["The GTIN/EAN 5909990000001 has a wrong check digit."]}


def test_codes_that_do_not_exist_or_do_not_fit_the_patient(world):
    errors = _refused(world, [free_item(payment_level="75%"), free_item(entitlement="S"), free_item(entitlement="XX"),
                              free_item(kind="pro_bono")])
    assert errors["items.1.payment_level"] == ["Unknown payment level 75%: use blank, P, B, R, 30%, 50% or 100%."]
    age = world.patient.age
    assert errors["items.2.entitlement"] == [
        f"Entitlement S is for patients aged 65 and over; this patient is {age}."]
    assert errors["items.3.entitlement"] == ["Unknown entitlement code XX."]
    assert errors["items.4.kind"] == ["Choose an ordinary, pro auctore or pro familiae prescription."]


def test_missing_drug_dosage_and_quantity(world):
    errors = _refused(world, [{"drug_name": " ", "dosage": "", "quantity": "0"}, {"drug_id": 999_999}])
    assert errors["items.1.drug"] == ["Drug is required."]
    assert errors["items.1.dosage"] == ["Dosage is required."]
    assert errors["items.1.quantity"] == ["Quantity (packs) must be between 1 and 99."]
    assert errors["items.2.drug"] == ["This drug is not on the built-in list; choose it again or enter it by hand."]


def test_the_default_validity_follows_the_kind_of_drug(world):
    with clinic_context(world.clinic):
        package = services.issue_prescriptions(
            world.doctor, encounter_id=world.encounter.pk,
            items=[amoxicillin_item(), _vaccine_item(), free_item(), free_item(validity_days=365, supply_days=180)])
        validity = [rx.content["validity_days"] for rx in package.prescriptions.order_by("pk")]
        codes = {rx.access_code for rx in package.prescriptions.all()}
    assert validity == [7, 120, 30, 365]
    assert codes == {package.access_code} and len(package.access_code) == 4 and package.access_code.isdigit()
