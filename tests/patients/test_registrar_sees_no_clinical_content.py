"""A registrar's pages and API answers carry no clinical content (e.g. an appointment's reason)."""
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from klinika.accounts.models import StaffMember
from klinika.accounts.services.tokens import create_token
from klinika.scheduling.models import Appointment, VisitType
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db
REASON = "podejrzenie nowotworu piersi"


@pytest.fixture
def booked(register, doctor, clinic):
    patient = register()
    with clinic_context(clinic):
        member = StaffMember(user=doctor, first_name="Jan", last_name="Lekarz")
        member.save()
        practitioner = Practitioner(staff=member, profession="doctor", licence_number="5425740")
        practitioner.save()
        visit_type = VisitType(code="onko", name="Konsultacja", duration_minutes=20)
        visit_type.save()
        start = timezone.now() + datetime.timedelta(days=1)
        Appointment(patient=patient, practitioner=practitioner, visit_type=visit_type, starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=20), reason=REASON).save()
    return patient


def test_the_registrars_pages_do_not_show_the_reason(booked, registrar, client_for):
    client = client_for(registrar)
    pages = [client.get(f"/patients/{booked.pk}/"), client.get(f"/patients/{booked.pk}/edit/"),
             client.post("/patients/search/", {"q": "Kowalska"}), client.post("/patients/", {"q": booked.pesel})]
    for page in pages:
        assert page.status_code == 200
        assert REASON not in page.content.decode()


def test_the_registrars_api_answers_do_not_carry_it(booked, registrar):
    raw, _token = create_token(registrar, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for response in (Client().get(f"/api/patients/{booked.pk}", **auth), Client().get("/api/patients?q=Kowalska",
                                                                                        **auth)):
        assert response.status_code == 200 and REASON not in response.content.decode()
