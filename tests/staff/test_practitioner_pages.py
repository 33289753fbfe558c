"""The practitioners page: everyone with staff.view sees the list; only a clinic admin adds and edits."""
import pytest

from klinika.accounts.roles import Role
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db


def _form(team, **overrides):
    return {"staff": team[Role.DOCTOR].staff.pk, "profession": "doctor", "title": "lek.",
            "licence_number": "5425740", "specialties": ["0724"]} | overrides


def test_an_admin_adds_a_practitioner_through_the_form(team, clinic):
    client = logged_in(team[Role.CLINIC_ADMIN])
    page = client.get("/staff/practitioners/new/")
    assert page.status_code == 200 and "5425740" not in page.content.decode()
    response = client.post("/staff/practitioners/new/", _form(team))
    assert response.status_code == 302 and response["Location"] == "/staff/practitioners/"
    listing = client.get("/staff/practitioners/?specialty=0724").content.decode()
    assert "5425740" in listing and "położnictwo i ginekologia" in listing


def test_a_bad_licence_number_is_shown_next_to_the_field_and_nothing_is_saved(team, clinic):
    response = logged_in(team[Role.CLINIC_ADMIN], language="en").post("/staff/practitioners/new/",
                                                                      _form(team, licence_number="5425741"))
    assert response.status_code == 400
    assert "not a valid doctor" in response.content.decode()
    with clinic_context(clinic):
        assert not Practitioner.objects.exists()


def test_an_admin_edits_a_practitioner(team, clinic):
    client = logged_in(team[Role.CLINIC_ADMIN])
    client.post("/staff/practitioners/new/", _form(team))
    with clinic_context(clinic):
        practitioner = Practitioner.objects.get()
    response = client.post(f"/staff/practitioners/{practitioner.pk}/",
                           {"profession": "doctor", "licence_number": "6000001", "specialties": ["0705", "0713"],
                            "is_active": "on"})
    assert response.status_code == 302
    with clinic_context(clinic):
        practitioner.refresh_from_db()
        assert practitioner.licence_number == "6000001"
        assert sorted(s.code for s in practitioner.specialties.all()) == ["0705", "0713"]


def test_a_registrar_sees_the_list_without_the_admin_links_and_may_not_open_the_form(team, clinic):
    logged_in(team[Role.CLINIC_ADMIN]).post("/staff/practitioners/new/", _form(team))
    client = logged_in(team[Role.REGISTRAR])
    listing = client.get("/staff/practitioners/").content.decode()
    assert "5425740" in listing and "/staff/practitioners/new/" not in listing
    assert client.get("/staff/practitioners/new/").status_code == 403


def test_names_with_diacritics_and_markup_are_escaped(team, clinic):
    member = team[Role.DOCTOR].staff
    with clinic_context(clinic):
        member.first_name, member.last_name = "Zażółć-Jaźń", "O'Brien <script>alert(1)</script>"
        member.save()
    logged_in(team[Role.CLINIC_ADMIN]).post("/staff/practitioners/new/", _form(team))
    listing = logged_in(team[Role.REGISTRAR]).get("/staff/practitioners/").content.decode()
    assert "Zażółć-Jaźń O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "<script>alert(1)" not in listing


def test_another_clinics_practitioner_is_not_found(team, clinic, make_clinic, people):
    from tests.scheduling.world import make_staff_user

    logged_in(team[Role.CLINIC_ADMIN]).post("/staff/practitioners/new/", _form(team))
    with clinic_context(clinic):
        practitioner = Practitioner.objects.get()
    other_admin = make_staff_user(make_clinic(), Role.CLINIC_ADMIN, people)
    client = logged_in(other_admin)
    assert client.get(f"/staff/practitioners/{practitioner.pk}/").status_code == 404
    assert client.get(f"/api/practitioners/{practitioner.pk}").status_code == 404
