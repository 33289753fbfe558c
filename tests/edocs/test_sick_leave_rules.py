"""e-ZLA rules: period, backdating at most 3 days, ICD-10, letter codes, indication, payer NIP."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.edocs import services
from klinika.tenancy.context import clinic_context
from tests.edocs.helpers import messages_of, stored
from tests.edocs.world import sick_leave_data

pytestmark = pytest.mark.django_db


def _days(n) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def _refused(world, **changes) -> dict:
    with clinic_context(world.clinic):
        before = stored()
        with pytest.raises(ValidationError) as caught:
            services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk, data=sick_leave_data(**changes))
        assert stored() == before
    return messages_of(caught)


def test_backdating_four_days_is_refused_three_is_allowed(world):
    errors = _refused(world, date_from=_days(-4))
    assert errors == {"date_from": [f"A sick leave may start at most 3 days before the day it is issued; "
                                    f"{_days(-4)} is 4 days before."]}
    with clinic_context(world.clinic):
        leave = services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk,
                                           data=sick_leave_data(date_from=_days(-3)))
    assert leave.content["from"] == _days(-3)


def test_a_bad_payer_nip(world):
    assert _refused(world, payer_nip="5260250275") == {
        "payer_nip": ["The payer's NIP 5260250275 is not valid: check the digits."]}


def test_the_period_must_make_sense(world):
    assert _refused(world, date_to=_days(-1))["date_to"] == [
        f"The sick leave ends ({_days(-1)}) before it starts ({_days(0)})."]
    assert _refused(world, date_to=_days(200))["date_to"] == [
        "A sick leave lasts at most 182 days (270 with code B or D); this one lasts 201."]
    assert _refused(world, date_from=_days(2), date_to=_days(5))["date_from"] == [
        "A sick leave starts at the latest on the day after it is issued."]


def test_codes_indication_and_diagnosis(world):
    errors = _refused(world, icd10="Q99.9", letter_codes=["A", "F"], omit_codes=["C"], indication=3)
    assert errors["icd10"] == ["Q99.9 is not an ICD-10 code in the clinic's code list."]
    assert errors["letter_codes"] == ["Unknown letter code F: use A, B, C, D or E."]
    assert errors["omit_codes"] == ["Only codes B and D may be left out, and only on the patient's request."]
    assert errors["indication"] == ["Choose indication 1 (must lie in bed) or 2 (may walk)."]
    assert _refused(world, letter_codes=["E"], omit_codes=["D"])["omit_codes"] == [
        "Code D is not on this sick leave, so it cannot be left out."]


def test_b_and_d_may_be_left_out_on_request(world):
    with clinic_context(world.clinic):
        leave = services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk,
                                           data=sick_leave_data(letter_codes="B,E", omit_codes=["B"], indication="1"))
    assert leave.content["letter_codes"] == ["B", "E"] and leave.content["omit_codes"] == ["B"]
    assert leave.content["indication"] == 1 and leave.access_code in ("", None)
