"""GET /api/practitioners (optionally by specialty code) and /api/practitioners/<id>."""
import pytest

from klinika.accounts.roles import Role
from klinika.staff import services
from tests.scheduling.clients import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioners(team, in_clinic):
    admin = team[Role.CLINIC_ADMIN]
    gyn = services.create_practitioner(admin, staff_id=team[Role.DOCTOR].staff.pk, profession="doctor",
                                       licence_number="5425740", title="lek.", specialty_codes=["0724"])
    nurse = services.create_practitioner(admin, staff_id=team[Role.NURSE].staff.pk, profession="nurse",
                                         licence_number="0312345P")
    return gyn, nurse


def test_the_list_filters_by_specialty_code(team, practitioners):
    gyn, nurse = practitioners
    client = api_client(team[Role.REGISTRAR])
    everyone = client.get("/api/practitioners").json()
    assert {p["id"] for p in everyone} == {gyn.pk, nurse.pk}
    only_gyn = client.get("/api/practitioners?specialty=0724").json()
    assert [p["id"] for p in only_gyn] == [gyn.pk]
    assert only_gyn[0]["specialties"] == [{"code": "0724", "name": "położnictwo i ginekologia"}]
    assert "licence_number" not in only_gyn[0]
    assert client.get("/api/practitioners?specialty=0000").json() == []


def test_one_practitioner_and_an_unknown_id(team, practitioners):
    gyn, _nurse = practitioners
    client = api_client(team[Role.DOCTOR])
    body = client.get(f"/api/practitioners/{gyn.pk}").json()
    assert body["profession"] == "doctor" and body["title"] == "lek."
    assert client.get("/api/practitioners/999999").status_code == 404
    assert client.get("/api/practitioners/abc").status_code in (400, 404)
