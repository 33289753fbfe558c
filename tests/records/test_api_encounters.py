"""The API: start, save draft, sign, amend, read, versions, measurements and the summary — same rules as the screen."""
import json

import pytest

from tests.records.world import api_client

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _post(client, url, payload=None):
    return client.post(url, json.dumps(payload or {}), content_type=JSON)


def test_a_visit_from_start_to_amendment(world, visit):
    client = api_client(world.doctor_user)
    appointment = world.appointment()
    started = _post(client, "/api/records/encounters", {"appointment": appointment.pk})
    assert started.status_code == 201
    encounter = started.json()
    assert encounter["status"] == "draft" and encounter["appointment_id"] == appointment.pk
    eid = encounter["id"]
    saved = client.put(f"/api/records/encounters/{eid}/draft", json.dumps(visit), content_type=JSON)
    assert saved.status_code == 200 and saved.json()["content"]["diagnoses"][0]["code"] == "J06.9"
    signed = _post(client, f"/api/records/encounters/{eid}/sign")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    amended = _post(client, f"/api/records/encounters/{eid}/amendments",
                    {**visit, "recommendations": "Zmiana zaleceń", "reason": "pomyłka"})
    assert amended.status_code == 201 and amended.json()["number"] == 2
    assert amended.json()["amendment_reason"] == "pomyłka"
    versions = client.get(f"/api/records/encounters/{eid}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["content"]["recommendations"] == visit["recommendations"]
    current = client.get(f"/api/records/encounters/{eid}").json()
    assert current["version"] == 2 and current["content"]["recommendations"] == "Zmiana zaleceń"


def test_bad_input_answers_400_with_the_message(world, visit):
    client = api_client(world.doctor_user)
    eid = _post(client, "/api/records/encounters", {"patient": world.man.pk}).json()["id"]
    unknown = client.put(f"/api/records/encounters/{eid}/draft",
                         json.dumps({**visit, "diagnoses": [{"code": "ZZ9", "main": True}]}), content_type=JSON)
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["diagnoses"] == ["Unknown ICD-10 code: ZZ9. Choose a code from the list."]
    unsigned = _post(client, f"/api/records/encounters/{eid}/sign")
    assert unsigned.status_code == 400
    assert unsigned.json()["errors"] == {"diagnoses": ["Add the main diagnosis (ICD-10) before signing."]}
    both = _post(client, "/api/records/encounters", {})
    assert both.status_code == 400
    malformed = client.put(f"/api/records/encounters/{eid}/draft", "{not json", content_type=JSON)
    assert malformed.status_code in (400, 422)


def test_measurements_through_the_api(world):
    client = api_client(world.users["nurse"])
    url = f"/api/records/patients/{world.woman.pk}/vitals"
    created = _post(client, url, {"weight_kg": "58,5", "height_cm": 160, "pregnancy_week": 20})
    assert created.status_code == 201
    assert created.json()["values"] == {"weight_kg": 58.5, "height_cm": 160.0, "bmi": 22.9, "pregnancy_week": 20}
    refused = _post(client, url, {"weight_kg": 60, "height_cm": 160, "bmi": 23.4})
    assert refused.status_code == 400 and refused.json()["errors"]["bmi"]
    man = _post(client, f"/api/records/patients/{world.man.pk}/vitals", {"pregnancy_week": 3})
    assert man.status_code == 400 and "female" in man.json()["errors"]["pregnancy_week"][0]
    assert [r["id"] for r in client.get(url).json()] == [created.json()["id"]]


def test_the_summary_through_the_api(world, visit):
    client = api_client(world.doctor_user)
    eid = _post(client, "/api/records/encounters", {"patient": world.woman.pk}).json()["id"]
    client.put(f"/api/records/encounters/{eid}/draft", json.dumps(visit), content_type=JSON)
    _post(client, f"/api/records/encounters/{eid}/sign")
    summary = client.get(f"/api/records/patients/{world.woman.pk}/summary").json()
    assert summary["visit_count"] == 1
    assert [p["code"] for p in summary["problems"]] == ["J06.9", "R50.9"]
    assert summary["recent_visits"][0]["main_diagnosis"]["code"] == "J06.9"


def test_a_nurse_reads_but_does_not_write_visits(world, visit):
    doctor = api_client(world.doctor_user)
    eid = _post(doctor, "/api/records/encounters", {"patient": world.woman.pk}).json()["id"]
    nurse = api_client(world.users["nurse"])
    assert nurse.get(f"/api/records/encounters/{eid}").status_code == 200
    assert nurse.put(f"/api/records/encounters/{eid}/draft", json.dumps(visit), content_type=JSON).status_code == 403
    assert _post(nurse, "/api/records/encounters", {"patient": world.woman.pk}).status_code == 403
