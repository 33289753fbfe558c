"""The retention queue screen: the clinic's DPO and administrator only; another clinic's ids are 404."""
import pytest
from django.urls import reverse

from klinika.lifecycle.retention import services
from klinika.lifecycle.retention.models import LegalHold, RetentionItem
from klinika.tenancy.context import clinic_context
from tests.records.world import build, logged_in

from .conftest import at

pytestmark = pytest.mark.django_db
QUEUE = reverse("retention:queue")


@pytest.fixture
def due_patient(world, old):
    patient = old.patient(at(2001, 2, 2))
    with clinic_context(world.clinic):
        services.refresh_queue()
    return patient


def test_the_dpo_sees_the_queue_in_polish_without_names(world, due_patient):
    client = logged_in(world.users["dpo"], language="pl")
    page = client.get(QUEUE).content.decode()
    assert "Kolejka retencji" in page and str(due_patient.subject_ref) in page
    assert "art. 29 ust. 1" in page and "oczekuje na zatwierdzenie" in page
    assert due_patient.last_name not in page and due_patient.first_name not in page
    assert f'href="{QUEUE}"' in client.get(reverse("dashboard")).content.decode()  # the navigation link


def test_the_admin_approves_the_selected_and_places_and_releases_a_hold(world, due_patient):
    client = logged_in(world.users["admin"])
    response = client.post(reverse("retention:approve"), {"ref": [str(due_patient.subject_ref)]})
    assert response.status_code == 302
    with clinic_context(world.clinic):
        assert RetentionItem.objects.get(ref=due_patient.subject_ref).approved_by == world.users["admin"]
    assert client.post(reverse("retention:hold"), {"ref": str(due_patient.subject_ref),
                                                   "reason": "Sygn. akt II K 1/26"}).status_code == 302
    page = client.get(QUEUE).content.decode()
    assert "Sygn. akt II K 1/26" in page and "on legal hold" in page
    with clinic_context(world.clinic):
        hold = LegalHold.objects.get()
    assert client.post(reverse("retention:release", args=[hold.public_id]), {"reason": "koniec"}).status_code == 302
    with clinic_context(world.clinic):
        assert LegalHold.objects.get().released_at is not None


def test_bad_input_is_a_clear_400(world, due_patient):
    client = logged_in(world.users["dpo"])
    for url, data, message in [
        (reverse("retention:approve"), {}, "Choose what to approve."),
        (reverse("retention:approve"), {"ref": "nonsense"}, "is not an id from the retention queue"),
        (reverse("retention:hold"), {"ref": str(due_patient.subject_ref), "reason": ""}, "Give the reason"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), url
    with clinic_context(world.clinic):
        assert not RetentionItem.objects.filter(approved_at__isnull=False).exists()
        assert not LegalHold.objects.exists()


def test_other_roles_are_refused_and_see_no_link(world, due_patient):
    for role in ("doctor", "nurse", "registrar"):
        client = logged_in(world.users[role])
        assert client.get(QUEUE).status_code == 403, role
        assert client.post(reverse("retention:approve"), {"ref": str(due_patient.subject_ref)}).status_code == 403
        assert f'href="{QUEUE}"' not in client.get(reverse("dashboard")).content.decode()


def test_another_clinics_ids_answer_404(world, due_patient, make_clinic, people):
    with clinic_context(world.clinic):
        hold = services.place_hold(world.users["dpo"], str(due_patient.subject_ref), "powód")
    theirs = build(make_clinic(), people)
    client = logged_in(theirs.users["dpo"])
    assert str(due_patient.subject_ref) not in client.get(QUEUE).content.decode()
    assert client.post(reverse("retention:approve"), {"ref": str(due_patient.subject_ref)}).status_code == 404
    assert client.post(reverse("retention:hold"), {"ref": str(due_patient.subject_ref),
                                                   "reason": "x"}).status_code == 404
    assert client.post(reverse("retention:release", args=[hold.public_id]), {"reason": "x"}).status_code == 404
    with clinic_context(world.clinic):
        assert RetentionItem.objects.get().approved_at is None and LegalHold.objects.get().released_at is None
