"""The search page: one box, results as you type (htmx) or on submit; the query never goes in a URL."""
import datetime

import pytest

from klinika.audit.models import AuditEvent
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(register):
    return register(pesel=make_pesel(datetime.date(1980, 2, 3), "F", 345))


def test_the_page_has_one_search_box_wired_to_htmx(registrar, client_for):
    html = client_for(registrar).get("/patients/").content.decode()
    assert html.count('name="q"') == 1
    assert 'hx-post="/patients/search/"' in html and 'hx-trigger="input changed delay:400ms"' in html
    assert 'method="post"' in html and "/static/web/htmx.min.js" in html
    assert 'href="/patients/new/"' in html


def test_a_doctor_gets_no_register_link(doctor, client_for):
    html = client_for(doctor).get("/patients/").content.decode()
    assert 'href="/patients/new/"' not in html


def test_typing_fewer_than_3_characters_searches_nothing(anna, registrar, clinic, client_for):
    response = client_for(registrar).post("/patients/search/", {"q": "Ko", "live": "1"})
    assert response.status_code == 200 and "at least 3 characters" in response.content.decode()
    with clinic_context(clinic):
        assert not AuditEvent.objects.filter(object_type="patient-search").exists()


def test_results_show_name_birth_date_and_only_the_last_4_digits_of_the_pesel(anna, registrar, client_for):
    html = client_for(registrar).post("/patients/search/", {"q": "Kowalska", "live": "1"}).content.decode()
    assert "Kowalska Anna" in html and f"/patients/{anna.pk}/" in html
    assert "02/03/1980" in html
    assert anna.pesel not in html and "\u2022" * 7 + anna.pesel[-4:] in html


def test_without_javascript_the_form_posts_to_the_page_itself(anna, registrar, client_for):
    html = client_for(registrar).post("/patients/", {"q": anna.pesel}).content.decode()
    assert f"/patients/{anna.pesel}" not in html and f"/patients/{anna.pk}/" in html


def test_a_query_in_the_url_is_ignored(anna, registrar, clinic, client_for):
    html = client_for(registrar).get(f"/patients/?q={anna.pesel}").content.decode()
    assert f"/patients/{anna.pk}/" not in html
    with clinic_context(clinic):
        assert not AuditEvent.objects.filter(object_type="patient-search").exists()


def test_no_match_says_so(registrar, client_for):
    html = client_for(registrar).post("/patients/search/", {"q": "Nikogo Takiego"}).content.decode()
    assert "No patient found." in html


def test_the_page_is_polish_by_default(registrar, client_for):
    html = client_for(registrar, language="pl").get("/patients/").content.decode()
    assert "Pacjenci" in html and "Patients" not in html.replace("patients", "")
