"""Personal data never stays in a browser's cache: after logout, Back shows nothing stored."""
import pytest
from django.test import Client

from klinika.accounts.services.tokens import create_token

pytestmark = pytest.mark.django_db


def _never_stored(response):
    return "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}


def test_a_patient_page_is_not_stored_and_is_gone_after_logout(register, registrar, client_for):
    patient = register()
    client = client_for(registrar)
    card = client.get(f"/patients/{patient.pk}/")
    assert card.status_code == 200 and patient.last_name in card.content.decode()
    assert _never_stored(card)
    client.post("/logout/")
    after = client.get(f"/patients/{patient.pk}/")
    assert after.status_code == 302 and patient.last_name not in after.content.decode()


def test_api_answers_are_not_stored_errors_included(register, admin):
    patient = register()
    raw, _token = create_token(admin, "t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = api.get(f"/api/patients/{patient.pk}")
    assert answer.status_code == 200 and answer.json()["last_name"] == patient.last_name
    assert _never_stored(answer)
    assert _never_stored(api.get("/api/patients/999999999"))
    assert _never_stored(Client().get(f"/api/patients/{patient.pk}"))  # refused, still not stored


def test_static_files_stay_cacheable(client):
    response = client.get("/static/web/klinika.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
