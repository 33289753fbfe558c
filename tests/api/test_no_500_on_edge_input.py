"""Inputs a fuzzing run found to be 500s: dates at the ends of the calendar, NUL bytes and other
unstorable text, and errors under /api/ that came back as HTML. Each is now a 4xx: the API's JSON
error ({"detail": ...}), or the translated 400 page."""
import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import translation

from klinika.accounts.roles import Role
from klinika.edocs.models import Prescription
from klinika.patients.models import Patient
from klinika.scheduling.models import Appointment
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.services import waitlist
from klinika.tenancy.context import clinic_context
from tests.accounts.logins import PASSWORD
from tests.edocs.clients import api_client, logged_in
from tests.edocs.world import amoxicillin_item, build, sick_leave_data
from tests.scheduling.world import build as build_scheduling

pytestmark = pytest.mark.django_db

DATE_RANGE = "Give a date between 1800-01-01 and 2999-12-31."
UNSTORABLE = "The text contains a control character (such as a NUL byte) that cannot be stored."


def _boom(request):
    raise RuntimeError("a bug")


def _plain_404(request):
    return HttpResponse("<h1>gone</h1>", status=404)


# The project's URLs plus two under /api/ that fail in ways the API itself never does.
urlpatterns = [path("api/boom", _boom), path("api/plain", _plain_404), path("", include("klinika.urls"))]


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


def _booking(w, starts_at):
    return {"patient": w.patient.pk, "practitioner": w.practitioner.pk, "visit_type": 1, "starts_at": starts_at}


def _rx(w, **item):
    return {"encounter_id": w.encounter.pk, "items": [amoxicillin_item(**item)]}


# (method, url, JSON body from the world or None, text the answer must hold)
API_CASES = {
    "appointments at the end": ("get", "/api/schedule/appointments?from=9999-12-31&to=9999-12-31", None, DATE_RANGE),
    "appointments at the start": ("get", "/api/schedule/appointments?from=0001-01-01&to=0001-01-01", None,
                                  DATE_RANGE),
    "slots at the end": ("get", "/api/schedule/slots?visit_type=1&from=9999-12-31&to=9999-12-31", None, DATE_RANGE),
    "booking at the end": ("post", "/api/schedule/appointments",
                           lambda w: _booking(w, "9999-12-31T23:59:59+00:00"), DATE_RANGE),
    "booking at the start": ("post", "/api/schedule/appointments", lambda w: _booking(w, "0001-01-01T00:00:00"),
                             DATE_RANGE),
    "waitlist over everything": ("post", "/api/schedule/waitlist", lambda w: {
        "patient": w.patient.pk, "visit_type": 1, "earliest": "0001-01-01", "latest": "9999-12-31"}, DATE_RANGE),
    "prescription valid from the end": ("post", "/api/edocs/rx", lambda w: _rx(w, valid_from="9999-12-31"),
                                        DATE_RANGE),
    "sick leave at the end": ("post", "/api/edocs/zla", lambda w: {"encounter_id": w.encounter.pk}
                              | sick_leave_data(date_from="9999-12-31", date_to="9999-12-31"), DATE_RANGE),
    "born in year 1": ("post", "/api/patients", lambda w: {
        "first_name": "Anna", "last_name": "Nowak", "birth_date": "0001-01-01", "sex": "F"}, DATE_RANGE),
    "NUL in drug search": ("get", "/api/edocs/drugs?q=met%00f", None, UNSTORABLE),
    "NUL in patient search": ("get", "/api/patients?q=Nowak%00", None, UNSTORABLE),
    "control character in code search": ("get", "/api/records/codes?q=%01", None, UNSTORABLE),
    "NUL in a name": ("post", "/api/patients", lambda w: {"first_name": "An\u0000na", "last_name": "Nowak"},
                      UNSTORABLE),
    "lone surrogate in a name": ("post", "/api/patients", lambda w: {"first_name": "An\ud800na",
                                                                      "last_name": "Nowak"}, UNSTORABLE),
    "NUL as the whole search": ("post", "/api/patients/search", lambda w: {"q": "\u0000"}, UNSTORABLE),
    "NUL in JSON sent as text": ("post", "/api/patients/search", lambda w: '{"q": "\\u0000"}', UNSTORABLE),
    "NUL in a dosage": ("post", "/api/edocs/rx", lambda w: _rx(w, dosage="1 tabl.\u0000"), UNSTORABLE),
}
# Registering patients is the registration desk's job; the rest is the doctor's.
AS_REGISTRAR = {"born in year 1"}


@pytest.mark.parametrize("case", API_CASES)
def test_an_edge_input_to_the_api_is_a_400_in_json_and_changes_nothing(world, case):
    method, url, body, expected = API_CASES[case]
    api = api_client(world.users["registrar"] if case in AS_REGISTRAR else world.doctor, "en")
    if body is None:
        response = getattr(api, method)(url)
    else:
        payload = body(world)
        content_type = "text/plain" if isinstance(payload, str) else "application/json"
        response = getattr(api, method)(url, payload, content_type=content_type)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert expected in str(response.json()), response.json()
    with clinic_context(world.clinic):
        assert not Prescription.objects.exists() and not Appointment.objects.exists()
        assert Patient.objects.count() == 1


def test_the_refusal_is_translated_and_names_the_field(world):
    response = api_client(world.doctor, "pl").post("/api/patients", {"first_name": "A\u0000"},
                                                   content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Nieprawidłowe dane."
    assert list(response.json()["errors"]) == ["first_name"]
    assert "znak sterujący" in response.json()["errors"]["first_name"][0]
    dates = api_client(world.doctor, "pl").get("/api/schedule/appointments?from=9999-12-31&to=9999-12-31")
    assert "Podaj datę od 1800-01-01 do 2999-12-31." in str(dates.json()["errors"])


PAGE_CASES = {
    "calendar at the end": ("/schedule/practitioners/{practitioner}/?date=9999-12-31", None, "Podaj datę od"),
    "week at the start": ("/schedule/practitioners/{practitioner}/?date=0001-01-01&view=week", None,
                          "Podaj datę od"),
    "NUL in patient search": ("/patients/search/?q=Nowak%00", None, "znak sterujący"),
    "NUL in a form": ("/patients/{patient}/edit/", {"first_name": "A\x00"}, "znak sterujący"),
}


@pytest.mark.parametrize("case", PAGE_CASES)
def test_an_edge_input_to_a_page_is_the_translated_400_page(world, case):
    url, data, expected = PAGE_CASES[case]
    url = url.format(practitioner=world.practitioner.pk, patient=world.patient.pk)
    client = logged_in(world.doctor, "pl")
    response = client.post(url, data) if data else client.get(url)
    assert response.status_code == 400, response.status_code
    body = response.content.decode()
    assert "Nieprawidłowe żądanie" in body and expected in body


def test_a_nul_byte_in_a_login_is_a_400_before_any_lookup(world):
    response = Client().post("/login/", {"username": "doc\x00", "password": PASSWORD})
    assert response.status_code == 400 and "znak sterujący" in response.content.decode()


def test_a_nul_byte_in_the_session_cookie_is_no_session_at_all(world):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00"
    response = client.get("/api/me")
    assert response.status_code == 401 and response.cookies["sessionid"].value == ""
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/").status_code == 302


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("status, request_kind", [
    (401, "anonymous"), (401, "bad token"), (403, "not allowed"), (403, "csrf"), (404, "unknown path"),
    (404, "unknown id"), (404, "plain html"), (405, "wrong method"), (500, "server error"),
])
def test_every_api_error_is_json(world, status, request_kind):
    doctor_api = api_client(world.doctor, "en")
    if request_kind == "anonymous":
        response = Client().get("/api/me")
    elif request_kind == "bad token":
        response = Client(HTTP_AUTHORIZATION="Bearer kl_nonsense").get("/api/me")
    elif request_kind == "not allowed":
        response = api_client(world.users["registrar"], "en").post(
            "/api/edocs/rx", {"encounter_id": world.encounter.pk, "items": [amoxicillin_item()]},
            content_type="application/json")
    elif request_kind == "csrf":
        session = logged_in(world.doctor, "en")
        session.handler.enforce_csrf_checks = True
        response = session.post("/api/edocs/rx", {"encounter_id": world.encounter.pk, "items": []},
                                content_type="application/json")
    elif request_kind == "unknown path":
        response = doctor_api.get("/api/no/such/thing")
    elif request_kind == "unknown id":
        response = doctor_api.get("/api/schedule/appointments/999999")
    elif request_kind == "plain html":
        response = doctor_api.get("/api/plain")
    elif request_kind == "wrong method":
        response = doctor_api.delete("/api/me")
    else:
        doctor_api.raise_request_exception = False
        response = doctor_api.get("/api/boom")
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail and "Traceback" not in detail and "a bug" not in detail
    if request_kind == "wrong method":
        assert "GET" in response["Allow"]


SERVICE_CASES = {
    "weekly hours from the end": ("valid_from", lambda w, admin: setup_services.add_weekly_hours(
        admin, practitioner=w.gyn.pk, weekday=0, start_time="08:00", end_time="12:00",
        visit_types=[w.follow_up.pk], valid_from="9999-12-31")),
    "leave at the start": ("starts_at", lambda w, admin: setup_services.add_exception(
        admin, practitioner=w.gyn.pk, kind="unavailable", starts_at="0001-01-01T08:00", ends_at="0001-01-01T12:00")),
    "waitlist until the end": ("latest", lambda w, admin: waitlist.add_to_waitlist(
        w.users[Role.REGISTRAR], patient=w.patients[0].pk, visit_type=w.follow_up.pk, earliest="2030-01-01",
        latest="9999-12-31")),
}


@pytest.mark.parametrize("case", SERVICE_CASES)
def test_the_services_refuse_dates_at_the_ends_of_the_calendar_by_field(clinic, people, case):
    """Views, the API and the CLI all call these, so whatever the door, the refusal names the field."""
    field, call = SERVICE_CASES[case]
    world = build_scheduling(clinic, people)
    with clinic_context(clinic), translation.override("en"), pytest.raises(ValidationError) as refused:
        call(world, world.users[Role.CLINIC_ADMIN])
    assert refused.value.message_dict == {field: [DATE_RANGE]}
