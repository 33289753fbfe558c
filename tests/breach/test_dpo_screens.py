"""The DPO's screens: incidents with their 72-hour clocks, an incident's scope, severity, reports and notice
progress; the people concerned named for the DPO only; the clinic admin reads; nobody else gets in, and
another clinic's incident is not there (404)."""
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.breach import services
from tests.breach.support import make_patients
from tests.patients.conftest import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(clinic):
    make_patients(clinic, 5)
    opened = services.open_incident(clinic, summary="Kopia bazy i klucze na dysku USB", detected_at=timezone.now(),
                                    source_kind="database_copy", source_ref="", keystore_exposed=True,
                                    root_key_exposed=True, contact_point="iod@przychodnia.example",
                                    measures_taken="Zablokowano konta, zmieniono klucze.")
    return services.scope_incident(opened)


def _client(clinic, role, language="pl"):
    user = User.objects.create_user(f"{role}-{clinic.slug}", "correct-horse-battery", role=role, clinic=clinic)
    return verified_client(user, language)


def test_the_dpo_sees_incidents_scope_severity_and_people(clinic, incident):
    client = _client(clinic, Role.DPO)
    page = client.get(reverse("breach:incidents")).content.decode()
    assert incident.reference in page and "Naruszenia ochrony danych" in page
    assert 'data-screen="breach-incidents"' in page  # the navigation link
    detail = client.get(reverse("breach:incident", args=[incident.public_id])).content.decode()
    assert "Zakres" in detail and "SE = 3,0 × 1,0 + 1,0 = <strong>4,0</strong>" in detail
    assert "Nazwisko0 Imię0" in detail  # named from the live registry, for the DPO
    assert "pozostało" in detail  # the 72-hour clock
    response = client.get(reverse("breach:report", args=[incident.public_id, "art33", "json"]))
    report = json.loads(response.content)
    assert report["people"]["patients"] == 5 and report["dpo_contact"] == "iod@przychodnia.example"
    pdf = client.get(reverse("breach:report", args=[incident.public_id, "art33", "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    progress = client.get(reverse("breach:progress", args=[incident.public_id])).content.decode()
    assert "klinika breach notify" in progress


def test_the_dpo_records_the_notification_and_a_late_one_needs_reasons(clinic, incident):
    client = _client(clinic, Role.DPO)
    late = timezone.localtime(incident.detected_at + timezone.timedelta(hours=80)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("breach:reported", args=[incident.public_id]), {"reported_at": late})
    incident.refresh_from_db()
    assert incident.reported_at is None
    client.post(reverse("breach:reported", args=[incident.public_id]),
                {"reported_at": late, "delay_reason": "Ustalenie zakresu wymagało odzyskania kopii."})
    incident.refresh_from_db()
    assert incident.reported_at is not None


def test_the_clinic_admin_reads_without_the_people_and_changes_nothing(clinic, incident):
    client = _client(clinic, Role.CLINIC_ADMIN)
    detail = client.get(reverse("breach:incident", args=[incident.public_id]))
    assert detail.status_code == 200 and "Nazwisko0" not in detail.content.decode()
    assert client.post(reverse("breach:rescope", args=[incident.public_id])).status_code == 403


def test_other_roles_and_other_clinics_get_nothing(clinic, make_clinic, incident):
    doctor = _client(clinic, Role.DOCTOR)
    assert doctor.get(reverse("breach:incidents")).status_code == 403
    other = make_clinic()
    stranger = _client(other, Role.DPO)
    assert stranger.get(reverse("breach:incident", args=[incident.public_id])).status_code == 404
    assert stranger.get(reverse("breach:report", args=[incident.public_id, "art33", "pdf"])).status_code == 404
    assert incident.reference not in stranger.get(reverse("breach:incidents")).content.decode()
