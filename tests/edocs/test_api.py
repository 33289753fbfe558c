"""The e-documents API: the same operations as the visit screen, with 400 and clear messages for bad input."""
import pytest

from klinika.edocs.models import Prescription
from klinika.tenancy.context import clinic_context
from tests.edocs.clients import api_client
from tests.edocs.world import amoxicillin_item, free_item, referral_data, sick_leave_data

pytestmark = pytest.mark.django_db


def _post(api, url, payload):
    return api.post(url, payload, content_type="application/json")


def test_issue_sign_read_print_and_cancel_a_package(world):
    api = api_client(world.doctor)
    created = _post(api, "/api/edocs/rx", {"encounter_id": world.encounter.pk,
                                           "items": [amoxicillin_item(), free_item()]})
    assert created.status_code == 201, created.content
    unit = created.json()
    # A draft's code is not registered anywhere: the API gives it out only once the platform confirmed.
    assert unit["status"] == "draft" and len(unit["documents"]) == 2 and unit["access_code"] == ""
    signed = _post(api, f"/api/edocs/rx/{unit['id']}/sign", {})  # tasks run at once here: submitted in the call
    assert signed.status_code == 200 and signed.json()["status"] == "submitted"
    assert len(signed.json()["access_code"]) == 4 and signed.json()["status_text"] == "sent to P1 (confirmed)"
    assert all(d["platform_id"].startswith("P1-RX-") for d in signed.json()["documents"])
    assert api.get(f"/api/edocs/rx/{unit['id']}/printout").content.startswith(b"%PDF")
    history = api.get(f"/api/edocs/rx/{unit['id']}/history").json()
    assert [e["to_status"] for e in history if e["from_status"] != e["to_status"]][:2] == ["draft", "draft"]
    first = unit["documents"][0]["id"]
    cancelled = _post(api, f"/api/edocs/rx/prescriptions/{first}/cancel", {"reason": "patient"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    current = api.get(f"/api/edocs/patients/{world.patient.pk}/current").json()
    assert [d["id"] for d in current] == [unit["documents"][1]["id"]]


def test_bad_input_is_a_400_with_the_rule_and_stores_nothing(world):
    api = api_client(world.doctor)
    six = _post(api, "/api/edocs/rx", {"patient_id": world.patient.pk, "items": [free_item()] * 6})
    assert six.status_code == 400 and "at most 5 prescriptions" in six.json()["errors"]["items"][0]
    referral = _post(api, "/api/edocs/ref", {"encounter_id": world.encounter.pk} | referral_data(icd10="Z99.99"))
    assert referral.status_code == 400
    assert referral.json()["errors"] == {"icd10": ["Z99.99 is not an ICD-10 code in the clinic's code list."]}
    leave = _post(api, "/api/edocs/zla", {"encounter_id": world.encounter.pk} | sick_leave_data(payer_nip="1"))
    assert leave.status_code == 400 and "payer_nip" in leave.json()["errors"]
    with clinic_context(world.clinic):
        assert not Prescription.objects.exists()


def test_reissue_through_the_api(world):
    api = api_client(world.doctor)
    leave = _post(api, "/api/edocs/zla", {"encounter_id": world.encounter.pk} | sick_leave_data()).json()
    _post(api, f"/api/edocs/zla/{leave['id']}/sign", {})
    new = _post(api, f"/api/edocs/zla/{leave['id']}/reissue", sick_leave_data(indication=1) | {"reason": "error"})
    assert new.status_code == 201 and new.json()["documents"][0]["content"]["indication"] == 1
    assert api.get(f"/api/edocs/zla/{leave['id']}").json()["status"] == "cancelled"


def test_drug_search(world):
    found = api_client(world.doctor).get("/api/edocs/drugs?q=vaccinum").json()
    assert found and all(d["is_immunological"] for d in found)
