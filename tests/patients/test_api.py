"""/api/patients: search, read, register, correct; errors in the API's 400 format; policy applies."""
import datetime

import pytest
from django.conf import settings
from django.test import Client

from klinika.accounts.services.tokens import create_token
from klinika.audit.models import AuditEvent
from klinika.patients.models import Patient, PatientIdentifier
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_id_card, make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def client_for(user):
        raw, _token = create_token(user, "test")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return client_for


BODY = {"first_name": "Anna", "last_name": "Kowalska", "pesel": make_pesel(datetime.date(1980, 2, 3), "F"),
        "address": {"street": "Długa", "building": "5", "postal_code": "00-950", "city": "Warszawa"},
        "phone": "600100200", "consent_sms": True}


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_register_then_read(registrar, api, clinic):
    client = api(registrar)
    created = _post(client, "/api/patients", BODY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["birth_date"] == "1980-02-03" and body["sex"] == "F" and body["phone"] == "+48 600 100 200"
    assert body["preferred_channel"] == "sms" and body["address"]["country"] == "PL"
    assert [(i["kind"], i["value"], i["replaced_at"]) for i in body["identifiers"]] == [("pesel", BODY["pesel"], None)]
    read = client.get(f"/api/patients/{body['id']}")
    assert read.status_code == 200 and read.json() == body
    with clinic_context(clinic):
        assert AuditEvent.objects.filter(action="read", object_id=str(body["id"])).exists()


def test_bad_input_is_400_with_messages_per_field_and_saves_nothing(registrar, api, clinic):
    response = _post(api(registrar), "/api/patients", BODY | {"pesel": "80020312346", "birth_date": "1980-02-30",
                                                              "email": "x", "first_name": "A" * 101})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid data."
    assert body["errors"]["pesel"] == ["This PESEL's check digit is wrong: look for a mistyped digit."]
    assert body["errors"]["birth_date"] == ["Enter a real date, e.g. 2024-02-29 or 29.02.2024."]
    assert "first_name" in body["errors"] and "email" in body["errors"]
    with clinic_context(clinic):
        assert not Patient.objects.exists()


def test_possible_duplicates_are_409_until_confirmed(registrar, api, clinic):
    """Same surname and birth date, no PESEL: maybe someone else, so confirming registers it.
    (The same PESEL cannot be confirmed away: test_one_pesel_api.py.)"""
    client = api(registrar)
    first = _post(client, "/api/patients", BODY).json()
    same_name = BODY | {"pesel": "", "birth_date": "1980-02-03", "sex": "F", "document_type": "id_card",
                        "document_number": make_id_card("XYZ", "11111")}
    again = _post(client, "/api/patients", same_name)
    assert again.status_code == 409
    duplicates = again.json()["duplicates"]
    assert [d["id"] for d in duplicates] == [first["id"]] and BODY["pesel"] not in again.content.decode()
    assert duplicates[0]["pesel_masked"].endswith(BODY["pesel"][-4:])
    assert _post(client, "/api/patients", same_name | {"confirm_duplicates": True}).status_code == 201
    with clinic_context(clinic):
        assert Patient.objects.count() == 2


def test_patch_changes_only_what_is_sent_and_keeps_identifier_history(registrar, api, clinic):
    client = api(registrar)
    patient = _post(client, "/api/patients", BODY).json()
    url = f"/api/patients/{patient['id']}"
    changed = client.patch(url, {"address": {"city": "Kraków"}, "email": "anna@example.com"},
                           content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["address"]["street"] == "Długa" and changed.json()["address"]["city"] == "Kraków"
    new_pesel = make_pesel(datetime.date(1980, 2, 3), "F", 999)
    refused = client.patch(url, {"pesel": new_pesel}, content_type="application/json")
    assert refused.status_code == 400 and "identifier_reason" in refused.json()["errors"]
    done = client.patch(url, {"pesel": new_pesel, "identifier_reason": "typo"}, content_type="application/json")
    assert done.status_code == 200
    assert [(i["value"], i["replaced_at"] is None, i["note"]) for i in done.json()["identifiers"]] == [
        (new_pesel, True, ""), (BODY["pesel"], False, "typo")]


def test_search_by_get_and_by_post(registrar, api):
    client = api(registrar)
    patient = _post(client, "/api/patients", BODY | {"pesel": "", "document_type": "id_card",
                                                     "document_number": make_id_card("ABC", "12345"),
                                                     "birth_date": "1980-02-03", "sex": "F"}).json()
    by_get = client.get("/api/patients", {"q": "Kowalska Anna"})
    assert by_get.status_code == 200
    assert [r["id"] for r in by_get.json()["results"]] == [patient["id"]] and by_get.json()["kind"] == "name"
    by_post = _post(client, "/api/patients/search", {"q": patient["document_number"]})
    assert [r["id"] for r in by_post.json()["results"]] == [patient["id"]] and by_post.json()["kind"] == "document"
    assert patient["document_number"] not in by_post.content.decode()  # masked in results


def test_policy_applies(staff, api, register):
    patient = register()
    doctor = api(staff["doctor"])
    assert doctor.get(f"/api/patients/{patient.pk}").status_code == 200
    assert _post(doctor, "/api/patients", BODY).status_code == 403
    assert doctor.patch(f"/api/patients/{patient.pk}", {"first_name": "X"},
                        content_type="application/json").status_code == 403
    dpo = api(staff["dpo"])
    assert dpo.get("/api/patients", {"q": "Kowalska"}).status_code == 403
    assert Client().get(f"/api/patients/{patient.pk}").status_code == 401


def test_an_identifier_row_is_written_for_every_registration(registrar, api, clinic):
    _post(api(registrar), "/api/patients", BODY)
    with clinic_context(clinic):
        assert PatientIdentifier.objects.count() == 1
