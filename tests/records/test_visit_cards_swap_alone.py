"""On the visit screen, recording measurements, an allergy or a file (htmx) answers that card alone, so the notes
being typed in the visit form are never reloaded; a refusal comes back in the card (htmx swaps only 2xx),
with what was typed. Without htmx the same forms still work as whole pages."""
import pytest
from django.urls import reverse

from klinika.records import services
from klinika.records.models import Allergy, Attachment, VitalSigns
from klinika.tenancy.context import clinic_context
from tests.records import files
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(world):
    with clinic_context(world.clinic):
        return services.start_encounter(world.doctor_user, world.appointment().pk)


def _count(world, model):
    with clinic_context(world.clinic):
        return model.objects.count()


def test_measurements_answer_their_card_and_the_summary_line(world, draft):
    response = logged_in(world.doctor_user).post(
        reverse("records:vitals", args=[world.woman.pk]),
        {"encounter": draft.pk, "bp_systolic": "128", "bp_diastolic": "82", "pulse": "71"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card vitals" id="vitals-card"')
    assert "Measurements recorded." in body and "128/82" in body
    assert '<div id="summary-vitals" hx-swap-oob="true">' in body
    assert "<textarea" not in body and 'name="interview"' not in body  # the visit form is not in the answer
    assert f'name="encounter" value="{draft.pk}"' in body and 'hx-target="#vitals-card"' in body
    assert _count(world, VitalSigns) == 1


def test_refused_measurements_come_back_in_the_card_with_what_was_typed(world, draft):
    response = logged_in(world.doctor_user).post(
        reverse("records:vitals", args=[world.woman.pk]), {"encounter": draft.pk, "pulse": "900"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="vitals-card"' in body
    assert 'role="alert"' in body and 'value="900"' in body
    assert "data-unsaved-from-start" in body  # what was typed is not on record: leaving still asks
    assert _count(world, VitalSigns) == 0


def test_a_refused_visit_save_shows_the_form_as_unsaved(world, draft):
    client = logged_in(world.doctor_user)
    refused = client.post(reverse("records:encounter-save", args=[draft.pk]),
                          {"interview": "Kaszel", "diagnosis_code": ["Q99.99"], "action": "save"})
    assert refused.status_code == 400 and "data-unsaved-from-start" in refused.content.decode()
    assert "data-unsaved-from-start" not in client.get(reverse("records:encounter", args=[draft.pk])).content.decode()


def test_an_allergy_added_and_marked_inactive_answers_its_card(world, draft):
    client = logged_in(world.doctor_user)
    added = client.post(reverse("records:allergy-add", args=[world.woman.pk]),
                        {"encounter": draft.pk, "substance": "Penicylina", "severity": "severe"}, **HTMX)
    body = added.content.decode()
    assert added.status_code == 200 and body.startswith('<section class="card allergies" id="allergies-card"')
    assert "Allergy recorded." in body and "Penicylina" in body and "<textarea" not in body
    with clinic_context(world.clinic):
        allergy = Allergy.objects.get()
    gone = client.post(reverse("records:allergy-deactivate", args=[allergy.pk]), {"encounter": draft.pk}, **HTMX)
    assert gone.status_code == 200 and "The allergy is no longer listed as active." in gone.content.decode()
    assert "Penicylina" not in gone.content.decode()


def test_a_refused_allergy_says_why_in_the_card(world, draft):
    response = logged_in(world.doctor_user).post(reverse("records:allergy-add", args=[world.woman.pk]),
                                                 {"encounter": draft.pk, "substance": "", "reaction": "wysypka"},
                                                 **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="allergies-card"' in body and 'role="alert"' in body
    assert 'value="wysypka"' in body
    assert _count(world, Allergy) == 0


def test_without_htmx_the_forms_still_go_back_to_the_whole_visit(world, draft):
    client = logged_in(world.doctor_user)
    response = client.post(reverse("records:vitals", args=[world.woman.pk]), {"encounter": draft.pk, "pulse": "70"})
    assert response.status_code == 302 and response["Location"] == reverse("records:encounter", args=[draft.pk])
    response = client.post(reverse("records:allergy-add", args=[world.woman.pk]),
                           {"encounter": draft.pk, "substance": "Lateks"})
    assert response.status_code == 302 and response["Location"] == reverse("records:encounter", args=[draft.pk])


def test_a_file_attached_on_the_visit_screen_answers_its_card(world, draft, file_store):
    client = logged_in(world.doctor_user)
    url = reverse("records:attachment-upload", args=[world.woman.pk])
    added = client.post(url, {"encounter": draft.pk, "kind": "lab", "file": files.as_post_file(files.pdf())}, **HTMX)
    body = added.content.decode()
    assert added.status_code == 200 and body.startswith('<section class="card attachments" id="attachments-card"')
    assert "File attached." in body and "wynik.pdf" in body and "<textarea" not in body
    refused = client.post(url, {"encounter": draft.pk, "kind": "lab", "file": files.as_post_file(files.exe(), "x.pdf")},
                          **HTMX)
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    with clinic_context(world.clinic):
        assert Attachment.objects.count() == 1
