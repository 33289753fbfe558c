"""Bad input anywhere (form, inline check, API, merge screens, search) never answers 500 and changes nothing."""
import datetime

import pytest
from django.test import Client

from klinika.accounts.services.tokens import create_token
from klinika.audit.models import AuditEvent
from klinika.inputs import unstorable
from klinika.patients.models import Patient, PatientIdentifier, PatientMerge
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 30
BAD_FORMS = [
    {},
    {"first_name": "\x00", "last_name": "\x1b[31m", "pesel": "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"
                                                             "\u0669\u0660\u0661"},
    {"first_name": "A" * 5000, "last_name": "B" * 5000, "pesel": "9" * 5000, "email": "@" * 300},
    {"first_name": "Anna", "last_name": "Nowak", "pesel": "", "document_type": "spaceship", "document_number": "X1",
     "birth_date": "2024-13-45", "sex": "X"},
    {"first_name": "Anna", "last_name": "Nowak", "pesel": make_pesel(datetime.date(2010, 1, 1)),
     "guardian_id": HUGE_ID, "guardian_relation": "mother"},
    {"first_name": "Anna", "last_name": "Nowak", "pesel": make_pesel(datetime.date(2010, 1, 1)),
     "guardian_id": "abc", "guardian_identifier": "\x00"},
    {"first_name": "Anna", "last_name": "Nowak", "pesel": make_pesel(datetime.date(1980, 1, 1)),
     "preferred_channel": "pigeon", "document_country": "Polska", "country": "Narnia", "postal_code": "x" * 50},
    {"first_name": "Anna", "last_name": "Nowak", "pesel": make_pesel(datetime.date(1980, 1, 1)),
     "birth_date": "1980-01-02", "sex": "M", "identifier_reason": "because"},
]


@pytest.fixture
def existing(register, admin, clinic):
    patient = register()
    other = register(pesel=make_pesel(datetime.date(1970, 5, 5), "M"), first_name="Jan", last_name="Nowak")
    return patient, other


def _counts(clinic):
    with clinic_context(clinic):
        return (Patient.objects.count(), PatientIdentifier.objects.count(), PatientMerge.objects.count(),
                AuditEvent.objects.filter(action__in=["create", "update"]).count(),
                [(p.first_name, p.last_name, p.pesel) for p in Patient.objects.order_by("pk")])


@pytest.mark.parametrize("form", BAD_FORMS)
def test_bad_registration_and_correction_forms(existing, admin, clinic, client_for, form):
    patient, _other = existing
    client = client_for(admin)
    before = _counts(clinic)
    for url in ("/patients/new/", f"/patients/{patient.pk}/edit/"):
        response = client.post(url, form)
        assert response.status_code == 400, (url, response.status_code)
    # Text no database can store (a NUL byte, control characters) is refused before any view: a 400.
    inline_status = 400 if any(unstorable(value) for value in form.values()) else 200
    for name in [*form, "pesel", "nonsense"]:
        response = client.post("/patients/validate/", form, HTTP_HX_TRIGGER_NAME=name)
        assert response.status_code == inline_status
    assert _counts(clinic) == before


@pytest.mark.parametrize("form", BAD_FORMS)
def test_bad_api_bodies(existing, admin, clinic, form):
    patient, _other = existing
    raw, _token = create_token(admin, "t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = _counts(clinic)
    body = {k: v for k, v in form.items()
            if k not in {"guardian_id", "guardian_identifier", "identifier_reason", "country", "postal_code"}}
    responses = [client.post("/api/patients", body, content_type="application/json")]
    if body:  # an empty PATCH is a valid request that changes nothing
        responses.append(client.patch(f"/api/patients/{patient.pk}", body, content_type="application/json"))
    for response in responses:
        assert response.status_code == 400, response.content
        assert response.json()["errors"]
    assert _counts(clinic) == before


@pytest.mark.parametrize("body", ['{"first_name": ', '[]', '{"address": "somewhere"}', '{"consent_sms": "perhaps"}',
                                  '{"guardian_id": "x"}', f'{{"guardian_id": {HUGE_ID}}}'])
def test_malformed_api_bodies(existing, admin, clinic, body):
    patient, _other = existing
    raw, _token = create_token(admin, "t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = _counts(clinic)
    for response in (client.post("/api/patients", body, content_type="application/json"),
                     client.patch(f"/api/patients/{patient.pk}", body, content_type="application/json")):
        assert 400 <= response.status_code < 500, response.content
    assert _counts(clinic) == before


def test_bad_ids_and_merge_requests(existing, admin, clinic, client_for):
    patient, other = existing
    client = client_for(admin)
    before = _counts(clinic)
    for url in (f"/patients/{HUGE_ID}/", f"/patients/{HUGE_ID}/edit/", f"/patients/new/?guardian={HUGE_ID}",
                "/patients/new/?guardian=abc"):
        assert client.get(url).status_code in (200, 404), url
    for data in ({"other": "abc"}, {"other": HUGE_ID}, {"other": patient.pk}, {"other": other.pk, "survivor": "x",
                                                                                 "q": "\x00" * 10}):
        assert client.post(f"/patients/{patient.pk}/merge/", data).status_code in (400, 404), data
    raw, _token = create_token(admin, "t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/patients/{HUGE_ID}").status_code in (400, 404)
    assert _counts(clinic) == before


@pytest.mark.parametrize("query", ["\x00", "%", "_", "' OR 1=1 --", "<script>", "ą" * 5000, "+", "@", "-- --",
                                   "1980-02-30", "31.02.1980 Kowalska", "9" * 40, "+48", "..."])
def test_any_search_text_is_answered(existing, registrar, client_for, query):
    client = client_for(registrar)
    expected = 400 if unstorable(query) else 200  # refused at the door, see klinika.web.boundary
    assert client.post("/patients/search/", {"q": query}).status_code == expected
    assert client.post("/patients/", {"q": query}).status_code == expected
    raw, _token = create_token(registrar, "t")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/api/patients/search", {"q": query}, content_type="application/json").status_code == expected
