"""A user of clinic A gets 404 for clinic B's patient ids, in the UI and in the API."""
import datetime

import pytest
from django.test import Client

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.accounts.services.tokens import create_token
from klinika.patients import services
from klinika.patients.models import Patient, PatientMerge
from klinika.tenancy.context import clinic_context
from tests.patients.conftest import PASSWORD
from tests.patients.factories import adult, make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(make_clinic):
    """A patient and a pending merge of clinic B."""
    clinic_b = make_clinic()
    admin_b = User.objects.create_user("admin-b", PASSWORD, role=Role.CLINIC_ADMIN, clinic=clinic_b)
    with clinic_context(clinic_b):
        patient = services.register_patient(admin_b, adult())
        other = services.register_patient(admin_b, adult(pesel=make_pesel(datetime.date(1970, 1, 1), "M")))
        merge = services.merge_patients(admin_b, patient.pk, other.pk)
    return {"clinic": clinic_b, "patient": patient, "merge": merge}


def test_every_patient_page_answers_404(theirs, admin, client_for):
    client = client_for(admin)
    pk, merge_pk = theirs["patient"].pk, theirs["merge"].pk
    for url in (f"/patients/{pk}/", f"/patients/{pk}/edit/", f"/patients/{pk}/merge/",
                f"/patients/new/?guardian={pk}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/patients/{pk}/edit/", {"first_name": "X"}).status_code == 404
    assert client.post(f"/patients/{pk}/merge/", {"other": pk}).status_code == 404
    assert client.post(f"/patients/merges/{merge_pk}/revert/").status_code == 404
    assert client.post(f"/patients/merges/{merge_pk}/confirm/").status_code == 404
    with clinic_context(theirs["clinic"]):
        assert PatientMerge.objects.get().state == "pending"


def test_using_another_clinics_patient_as_a_guardian_or_merge_partner_fails(theirs, register, admin, clinic,
                                                                            client_for):
    ours = register()
    with clinic_context(clinic):
        with pytest.raises(Exception) as caught:
            services.merge_patients(admin, ours.pk, theirs["patient"].pk)
        assert caught.type.__name__ == "Http404"
    response = client_for(admin).post(f"/patients/{ours.pk}/merge/", {"other": theirs["patient"].pk})
    assert response.status_code == 404
    child = adult(pesel=make_pesel(datetime.date(2020, 1, 1), "F"), guardian_id=theirs["patient"].pk,
                  guardian_relation="mother")
    with clinic_context(clinic), pytest.raises(Exception) as caught:
        services.register_patient(admin, child)
    assert "guardian_identifier" in caught.value.message_dict


def test_the_api_answers_404(theirs, registrar):
    raw, _token = create_token(registrar, "test")
    client, pk = Client(), theirs["patient"].pk
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/patients/{pk}", **auth).status_code == 404
    response = client.patch(f"/api/patients/{pk}", {"first_name": "X"}, content_type="application/json", **auth)
    assert response.status_code == 404 and set(response.json()) == {"detail"}
    with clinic_context(theirs["clinic"]):
        assert Patient.objects.get(pk=pk).first_name == "Anna"


def test_search_never_crosses_clinics(theirs, registrar, client_for):
    html = client_for(registrar).post("/patients/search/", {"q": theirs["patient"].pesel}).content.decode()
    assert "No patient found." in html
