"""The registration form: inline checks as fields are left (htmx), PESEL fills birth date and sex."""
import datetime

import pytest

from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


def _form(**overrides):
    form = {"first_name": "Anna", "last_name": "Kowalska", "pesel": make_pesel(datetime.date(1980, 2, 3), "F"),
            "street": "Długa", "building": "5", "postal_code": "00950", "city": "Warszawa", "country": "PL",
            "document_country": "PL", "phone": "600100200", "consent_sms": "on", "preferred_channel": "sms"}
    return form | overrides


def test_the_form_checks_each_field_on_blur(registrar, client_for):
    html = client_for(registrar).get("/patients/new/").content.decode()
    assert 'hx-post="/patients/validate/"' in html and 'hx-trigger="blur"' in html
    assert 'hx-target="#error-pesel"' in html and 'id="error-pesel"' in html


def test_a_valid_pesel_fills_in_birth_date_and_sex(registrar, client_for):
    response = client_for(registrar).post("/patients/validate/", _form(), HTTP_HX_REQUEST="true",
                                          HTTP_HX_TRIGGER_NAME="pesel")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span id="error-pesel" class="field-error" aria-live="polite"></span>' in html
    assert 'id="id_birth_date"' in html and 'value="1980-02-03"' in html and 'hx-swap-oob="true"' in html
    assert '<option value="F" selected>' in html


def test_a_bad_field_gets_its_message_in_its_slot(registrar, client_for):
    client = client_for(registrar)
    bad_pesel = client.post("/patients/validate/", _form(pesel="80020312346"), HTTP_HX_TRIGGER_NAME="pesel")
    assert "check digit is wrong" in bad_pesel.content.decode() and "hx-swap-oob" not in bad_pesel.content.decode()
    contradiction = client.post("/patients/validate/", _form(birth_date="1980-03-02"),
                                HTTP_HX_TRIGGER_NAME="birth_date")
    assert "PESEL gives birth date" in contradiction.content.decode()
    long_name = client.post("/patients/validate/", _form(first_name="A" * 101), HTTP_HX_TRIGGER_NAME="first_name")
    assert "too long: 101 characters" in long_name.content.decode()
    fine = client.post("/patients/validate/", _form(), HTTP_HX_TRIGGER_NAME="first_name")
    assert fine.content.decode().strip() == '<span id="error-first_name" class="field-error" aria-live="polite"></span>'


def test_submitting_registers_and_opens_the_card(registrar, clinic, client_for):
    client = client_for(registrar)
    response = client.post("/patients/new/", _form())
    assert response.status_code == 302
    with clinic_context(clinic):
        patient = Patient.objects.get()
    assert response["Location"] == f"/patients/{patient.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Kowalska Anna" in html and patient.pesel in html and "00-950" in html and "+48 600 100 200" in html


def test_errors_come_back_next_to_their_fields_and_nothing_is_saved(registrar, clinic, client_for):
    response = client_for(registrar).post("/patients/new/", _form(pesel="123", email="nope", postal_code="1"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "A PESEL has exactly 11 digits." in html and "Enter a valid e-mail address" in html
    assert "A Polish postal code looks like 00-950." in html
    assert 'value="Kowalska"' in html  # what was typed stays
    with clinic_context(clinic):
        assert not Patient.objects.exists()


def test_a_ward_is_registered_from_the_guardians_card(register, registrar, clinic, client_for):
    mother = register()
    client = client_for(registrar)
    card = client.get(f"/patients/{mother.pk}/").content.decode()
    assert f'href="/patients/new/?guardian={mother.pk}"' in card
    form_html = client.get(f"/patients/new/?guardian={mother.pk}").content.decode()
    assert f'name="guardian_id" value="{mother.pk}"' in form_html and "Guardian on record" in form_html
    born = datetime.date.today() - datetime.timedelta(days=2)
    response = client.post("/patients/new/", {
        "first_name": "Zosia", "last_name": "Kowalska", "pesel": mother.pesel, "pesel_is_mothers": "on",
        "birth_date": born.isoformat(), "sex": "F", "guardian_id": mother.pk, "guardian_relation": "mother",
        "preferred_channel": "none"})
    assert response.status_code == 302, response.content.decode()
    with clinic_context(clinic):
        baby = Patient.objects.get(pesel_is_mothers=True)
    assert baby.guardian_id == mother.pk


@pytest.mark.parametrize("role", ["doctor", "nurse", "dpo"])
def test_roles_that_do_not_register_get_403(staff, client_for, role):
    client = client_for(staff[role])
    assert client.get("/patients/new/").status_code == 403
    assert client.post("/patients/new/", _form()).status_code == 403
    assert client.post("/patients/validate/", _form(), HTTP_HX_TRIGGER_NAME="pesel").status_code == 403
