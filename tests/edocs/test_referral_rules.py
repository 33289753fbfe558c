"""e-Referral rules: kind, ICD-10 from the code list, ICD-9-PL procedures, specialty, purpose."""
import pytest
from django.core.exceptions import ValidationError

from klinika.edocs import services
from klinika.edocs.models import DocStatus
from klinika.tenancy.context import clinic_context
from tests.edocs.helpers import messages_of, stored
from tests.edocs.world import referral_data

pytestmark = pytest.mark.django_db


def _refused(world, **changes) -> dict:
    with clinic_context(world.clinic):
        before = stored()
        with pytest.raises(ValidationError) as caught:
            services.create_referral(world.doctor, encounter_id=world.encounter.pk, data=referral_data(**changes))
        assert stored() == before
    return messages_of(caught)


def test_an_unknown_icd10_code(world):
    assert _refused(world, icd10="X99.9") == {"icd10": ["X99.9 is not an ICD-10 code in the clinic's code list."]}
    assert _refused(world, icd10="nonsense")["icd10"] == [
        "NONSENSE is not an ICD-10 code in the clinic's code list."]


def test_unknown_procedures_and_a_test_referral_without_one(world):
    assert _refused(world, icd9=["87.44", "99.99"]) == {
        "icd9": ["99.99 is not an ICD-9-PL code in the clinic's code list."]}
    assert _refused(world, icd9=[]) == {
        "icd9": ["A referral for a test or treatment names at least one ICD-9-PL procedure."]}


def test_a_consultation_names_a_specialty_and_the_kind_must_exist(world):
    assert _refused(world, kind="02.11", icd9=[]) == {
        "target_specialty": ["A consultation referral names the specialty to consult."]}
    assert _refused(world, kind="02.99")["kind"] == ["Choose the referral kind: 02.10, 02.11 or 02.12."]
    assert _refused(world, purpose="  ")["purpose"] == ["Purpose is required."]


def test_a_good_referral_is_a_draft_with_a_number_and_an_access_code(world):
    with clinic_context(world.clinic):
        referral = services.create_referral(world.doctor, encounter_id=world.encounter.pk,
                                            data=referral_data(kind="02.11", icd9="87.44, 89.52",
                                                               target_specialty="0713", cito="on"))
        referral.refresh_from_db()
    assert referral.status == DocStatus.DRAFT and referral.number.startswith("SK-")
    assert referral.content["icd9"] == ["87.44", "89.52"] and referral.content["cito"] is True
    assert len(referral.access_code) == 4 and referral.access_code.isdigit()
