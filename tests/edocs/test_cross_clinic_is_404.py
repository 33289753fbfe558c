"""Another clinic's visits, documents and patients answer 404, never 403 (no existence oracle)."""
import pytest

from tests.edocs.clients import api_client, logged_in
from tests.edocs.issuing import signed_package, signed_sick_leave
from tests.edocs.world import build

pytestmark = pytest.mark.django_db


def test_a_doctor_of_another_clinic_finds_nothing(world, make_clinic, people):
    package = signed_package(world)
    leave = signed_sick_leave(world)
    other = build(make_clinic(), people)
    client, api = logged_in(other.doctor), api_client(other.doctor)
    encounter, patient = world.encounter.pk, world.patient.pk
    for url in [f"/edocs/encounters/{encounter}/", f"/edocs/encounters/{encounter}/panel/",
                f"/edocs/encounters/{encounter}/prescriptions/new/", f"/edocs/rx/{package.pk}/print/",
                f"/edocs/rx/{package.pk}/history/", f"/edocs/patients/{patient}/current/",
                f"/edocs/zla/{leave.pk}/reissue/"]:
        assert client.get(url).status_code == 404, url
    rx = package.prescriptions.model.all_clinics.filter(package_id=package.pk).first()
    for url in [f"/edocs/rx/{package.pk}/sign/", f"/edocs/rx/{rx.pk}/cancel/", f"/edocs/zla/{leave.pk}/cancel/",
                f"/edocs/encounters/{encounter}/referrals/new/"]:
        assert client.post(url, {"reason": "error"}).status_code == 404, url
    assert api.get(f"/api/edocs/rx/{package.pk}").status_code == 404
    assert api.post(f"/api/edocs/zla/{leave.pk}/cancel", {"reason": "error"},
                    content_type="application/json").status_code == 404
    created = api.post("/api/edocs/rx", {"encounter_id": encounter, "items": [{"drug_name": "X", "dosage": "1",
                                                                               "quantity": 1}]},
                       content_type="application/json")
    assert created.status_code == 404
