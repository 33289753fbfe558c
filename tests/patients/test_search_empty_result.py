"""A search that finds nobody says what was searched and offers to register the patient, with what
was typed already in the form; results say why each patient matched."""
import datetime

import pytest

from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


def test_nobody_found_says_what_was_searched_and_offers_registration(registrar, client_for):
    html = client_for(registrar).post("/patients/search/", {"q": "Ciemięga Janina 1950-05-06"}).content.decode()
    assert "No patient found." in html and "Searched for:" in html
    assert "Ciemięga Janina" in html and "1950-05-06" in html
    assert 'action="/patients/new/"' in html and 'name="_prefill" value="1"' in html
    assert 'name="last_name" value="Ciemięga"' in html and 'name="first_name" value="Janina"' in html
    assert 'name="birth_date" value="1950-05-06"' in html


@pytest.mark.parametrize("query, field", [
    (make_pesel(datetime.date(1950, 5, 6), "F"), "pesel"),
    ("+48 600 100 200", "phone"),
    ("nowa@example.com", "email"),
])
def test_an_identifier_found_nobody_goes_into_its_own_field(registrar, client_for, query, field):
    html = client_for(registrar).post("/patients/search/", {"q": query}).content.decode()
    assert f'name="{field}" value="{query}"' in html


def test_a_doctor_is_not_offered_registration(doctor, client_for):
    html = client_for(doctor).post("/patients/search/", {"q": "Ciemięga"}).content.decode()
    assert "No patient found." in html and "_prefill" not in html


def test_the_register_form_comes_prefilled_by_post_and_by_get(registrar, client_for):
    client = client_for(registrar)
    posted = client.post("/patients/new/", {"_prefill": "1", "last_name": "Ciemięga", "first_name": "Janina",
                                            "phone": "600 100 200"})
    assert posted.status_code == 200
    html = posted.content.decode()
    assert 'value="Ciemięga"' in html and 'value="Janina"' in html and 'value="600 100 200"' in html
    assert "is required" not in html and "errorlist" not in html  # nothing was registered or checked yet
    got = client.get("/patients/new/", {"last_name": "Litwiniuk", "pesel": "85010112345"}).content.decode()
    assert 'value="Litwiniuk"' in got and 'value="85010112345"' in got


def test_results_say_why_each_patient_matched_in_polish(register, registrar, client_for):
    register(last_name="Ciemięga")
    html = client_for(registrar, "pl").post("/patients/search/", {"q": "ciemiega"}).content.decode()
    assert "Znaleziono po" in html and "nazwisko, bez względu na wielkość liter i polskie znaki" in html
