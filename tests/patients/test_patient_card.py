"""The patient card: demographics, identifiers, guardian and wards, consents; edit per role."""
import datetime

import pytest

from klinika.audit.models import AuditEvent
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(register):
    mother = register(email="anna@example.com", consent_email=True)
    son = register(first_name="Jaś", last_name="Kowalski", pesel=make_pesel(datetime.date(2019, 5, 5), "M"),
                   guardian_id=mother.pk, guardian_relation="mother", phone="", email="", consent_sms=False,
                   preferred_channel="none")
    return mother, son


def test_the_card_shows_the_registry_record(family, registrar, client_for):
    mother, son = family
    html = client_for(registrar).get(f"/patients/{mother.pk}/").content.decode()
    for text in ("Kowalska Anna", mother.pesel, "Feb. 3, 1980", "female", "Długa 5/2", "00-950 Warszawa",
                 "+48 600 100 200", "anna@example.com", "agrees", "SMS", "Kowalski Jaś", "current"):
        assert text in html, text
    son_html = client_for(registrar).get(f"/patients/{son.pk}/").content.decode()
    assert "Kowalska Anna" in son_html and "(mother)" in son_html


def test_the_card_leaves_a_slot_for_the_schedule(family, registrar, client_for):
    mother, _son = family
    html = client_for(registrar).get(f"/patients/{mother.pk}/").content.decode()
    assert f'hx-get="/schedule/patients/{mother.pk}/appointments/" hx-trigger="load"' in html


def test_opening_a_card_is_audited_for_the_patient_and_the_related_records_shown(family, registrar, clinic,
                                                                                 client_for):
    mother, son = family
    client_for(registrar).get(f"/patients/{son.pk}/")
    with clinic_context(clinic):
        reads = AuditEvent.objects.filter(action="read", object_type="patient", actor_id=registrar.pk)
        assert {(e.object_id, e.subject_ref) for e in reads} == {(str(son.pk), son.subject_ref),
                                                                 (str(mother.pk), mother.subject_ref)}


@pytest.mark.parametrize("role, edits", [("registrar", True), ("clinic_admin", True), ("doctor", False),
                                         ("nurse", False)])
def test_registrars_and_admins_edit_doctors_and_nurses_read(family, staff, client_for, role, edits):
    mother, _son = family
    client = client_for(staff[role])
    html = client.get(f"/patients/{mother.pk}/").content.decode()
    assert mother.pesel in html
    assert (f'href="/patients/{mother.pk}/edit/"' in html) == edits
    assert (client.get(f"/patients/{mother.pk}/edit/").status_code == 200) == edits


def test_a_dpo_does_not_see_demographics(family, staff, client_for):
    mother, _son = family
    assert client_for(staff["dpo"]).get(f"/patients/{mother.pk}/").status_code == 403


def test_the_edit_page_saves_corrections_through_the_service(family, registrar, clinic, client_for):
    mother, _son = family
    client = client_for(registrar)
    page = client.get(f"/patients/{mother.pk}/edit/").content.decode()
    assert 'value="Kowalska"' in page and f'value="{mother.pesel}"' in page and 'value="1980-02-03"' in page
    form = {"first_name": "Anna", "last_name": "Kowalska-Nowak", "pesel": mother.pesel, "street": "Krótka",
            "building": "1", "postal_code": "00-001", "city": "Warszawa", "country": "PL", "phone": "600100200",
            "email": "anna@example.com", "consent_sms": "on", "preferred_channel": "sms",
            "document_country": "PL", "identifier_reason": ""}
    response = client.post(f"/patients/{mother.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()
    with clinic_context(clinic):
        saved = Patient.objects.get(pk=mother.pk)
        assert (saved.last_name, saved.address["street"], saved.consent_email) == ("Kowalska-Nowak", "Krótka",
                                                                                   False)
        assert saved.consent_updated_at > mother.consent_updated_at
        event = AuditEvent.objects.get(action="update", object_id=str(mother.pk))
        assert "last_name" in event.reason and "Kowalska" not in event.reason


def test_a_bad_correction_is_shown_and_changes_nothing(family, registrar, clinic, client_for):
    mother, _son = family
    form = {"first_name": "", "last_name": "Kowalska", "pesel": "80020312346", "document_country": "PL"}
    response = client_for(registrar).post(f"/patients/{mother.pk}/edit/", form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the first name." in html and "check digit is wrong" in html
    with clinic_context(clinic):
        assert Patient.objects.get(pk=mother.pk).first_name == "Anna"
