"""htmx comes once, from the shared frame, as a same-origin file the CSP allows, with its safe config."""
import json
import re

import pytest

from klinika.accounts.roles import Role
from tests.scheduling.clients import logged_in
from tests.scheduling.world import build

pytestmark = pytest.mark.django_db
HTMX_TAG = '<script src="/static/web/htmx.min.js" defer></script>'


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


def _assert_htmx_once(html, url):
    assert html.count("htmx.min.js") == 1, url
    assert html.count(HTMX_TAG) == 1, url
    configs = re.findall(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert len(configs) == 1, url
    # No eval, no injected styles (the CSP forbids both), no history snapshots (patient data in localStorage).
    assert json.loads(configs[0]) == {"includeIndicatorStyles": False, "allowEval": False, "historyCacheSize": 0,
                                      "refreshOnHistoryMiss": True}
    head = html.split("</head>")[0]
    assert HTMX_TAG in head and "htmx-config" in head, url


def test_pages_that_use_htmx_load_it_once_from_the_frame(world):
    patient = world.patients[0]
    pages = {
        Role.REGISTRAR: ["/patients/", "/patients/new/", f"/patients/{patient.pk}/", "/schedule/book/",
                         "/schedule/waitlist/", "/schedule/today/", f"/schedule/practitioners/{world.gyn.pk}/"],
        Role.DOCTOR: [f"/records/patients/{patient.pk}/", f"/records/patients/{patient.pk}/vitals/"],
        Role.CLINIC_ADMIN: ["/", "/schedule/setup/", "/accounts/"],
    }
    for role, urls in pages.items():
        client = logged_in(world.users[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            _assert_htmx_once(response.content.decode(), url)


def test_the_visit_and_its_e_documents_load_htmx_once(world):
    from klinika.records import services as records_services
    from klinika.tenancy.context import clinic_context

    doctor = world.users[Role.DOCTOR]
    with clinic_context(world.clinic):
        encounter = records_services.start_encounter(doctor, patient_id=world.patients[0].pk)
    client = logged_in(doctor)
    for url in (f"/records/encounters/{encounter.pk}/", f"/edocs/encounters/{encounter.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_htmx_once(response.content.decode(), url)


def test_the_script_is_served_and_the_policy_allows_only_same_origin_scripts(client):
    login_page = client.get("/login/")
    assert HTMX_TAG in login_page.content.decode()
    assert "script-src 'self'" in login_page["Content-Security-Policy"]
    assert "'unsafe-eval'" not in login_page["Content-Security-Policy"]
    script = client.get("/static/web/htmx.min.js")
    assert script.status_code == 200
    assert b"htmx" in b"".join(script.streaming_content if script.streaming else [script.content])
