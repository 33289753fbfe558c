"""Markup and Polish letters in names round-trip exactly and are escaped wherever they are shown."""
import pytest

from klinika.accounts.services.tokens import create_token
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


@pytest.fixture
def odd(register):
    return register(first_name=SCRIPT, last_name="Żółć-O'Connor")


def test_the_values_round_trip_through_the_service_and_the_database(odd, clinic):
    with clinic_context(clinic):
        stored = Patient.objects.get(pk=odd.pk)
    assert (stored.first_name, stored.last_name) == (SCRIPT, "Żółć-O'Connor")


def test_the_card_escapes_them(odd, registrar, client_for):
    html = client_for(registrar).get(f"/patients/{odd.pk}/").content.decode()
    assert SCRIPT not in html and ESCAPED in html
    assert "Żółć-O&#x27;Connor" in html


def test_search_results_escape_them(odd, registrar, client_for):
    html = client_for(registrar).post("/patients/search/", {"q": "żółć-o'connor"}).content.decode()
    assert f"/patients/{odd.pk}/" in html
    assert SCRIPT not in html and ESCAPED in html


def test_the_edit_form_escapes_them(odd, registrar, client_for):
    html = client_for(registrar).get(f"/patients/{odd.pk}/edit/").content.decode()
    assert SCRIPT not in html and f'value="{ESCAPED}"' in html


def test_the_api_returns_them_exactly(odd, registrar):
    from django.test import Client

    raw, _token = create_token(registrar, "test")
    body = Client().get(f"/api/patients/{odd.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert (body["first_name"], body["last_name"]) == (SCRIPT, "Żółć-O'Connor")
