"""Only doctors issue e-documents: other roles are refused by the services, the pages and the API,
and the visit screen's panel shows them nothing."""
import pytest
from django.core.exceptions import PermissionDenied

from klinika.accounts.roles import Role
from klinika.edocs import services
from klinika.tenancy.context import clinic_context
from tests.edocs.clients import api_client, logged_in
from tests.edocs.helpers import stored
from tests.edocs.issuing import signed_package
from tests.edocs.world import free_item, referral_data

pytestmark = pytest.mark.django_db
OTHERS = [Role.NURSE, Role.REGISTRAR, Role.CLINIC_ADMIN]


@pytest.mark.parametrize("role", OTHERS)
def test_the_services_refuse_other_roles(world, role):
    user = world.users[role]
    with clinic_context(world.clinic):
        before = stored()
        with pytest.raises(PermissionDenied):
            services.issue_prescriptions(user, encounter_id=world.encounter.pk, items=[free_item()])
        with pytest.raises(PermissionDenied):
            services.create_referral(user, encounter_id=world.encounter.pk, data=referral_data())
        assert stored() == before


@pytest.mark.parametrize("role", OTHERS)
def test_pages_and_api_refuse_and_the_panel_is_empty(world, role):
    package = signed_package(world)
    user = world.users[role]
    client = logged_in(user)
    panel = client.get(f"/edocs/encounters/{world.encounter.pk}/panel/")
    assert panel.status_code == 200 and panel.content == b""
    assert client.get(f"/edocs/patients/{world.patient.pk}/current/").content == b""
    assert client.get(f"/edocs/rx/{package.pk}/print/").status_code == 403
    assert client.post(f"/edocs/encounters/{world.encounter.pk}/prescriptions/new/",
                       {"rx-1-drug_name": "X"}).status_code == 403
    assert client.get("/edocs/drugs/?q=amox").status_code == 403
    api = api_client(user)
    assert api.get(f"/api/edocs/rx/{package.pk}").status_code == 403
    assert api.post("/api/edocs/rx", {"encounter_id": world.encounter.pk, "items": [free_item()]},
                    content_type="application/json").status_code == 403


def test_a_doctor_without_a_licence_record_is_told_why(world, people):
    from tests.edocs.world import staff_user

    unlicensed = staff_user(world.clinic, Role.DOCTOR, people)
    response = api_client(unlicensed).post("/api/edocs/rx", {"encounter_id": world.encounter.pk,
                                                             "items": [free_item()]},
                                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == [
        "Your account is not linked to an active doctor with a licence number; ask the clinic administrator."]
