"""Type-ahead: prefix of the code or words of the name, diacritics and case ignored, at most 20 results."""
import pytest

from klinika.records.models import Code
from klinika.records.services import codes
from tests.records.world import api_client, logged_in

pytestmark = pytest.mark.django_db


def _codes(results):
    return [c.code for c in results]


def test_a_code_prefix_finds_its_codes_first(ctx):
    found = _codes(codes.search("icd10", "j06"))
    assert found[:2] == ["J06.0", "J06.9"]
    assert _codes(codes.search("icd10", "O24"))[:2] == ["O24.4", "O24.9"]
    assert _codes(codes.search("icd9pl", "89.5")) == ["89.50", "89.52"]


def test_words_of_the_name_match_without_diacritics_in_any_case(ctx):
    assert "J06.9" in _codes(codes.search("icd10", "infekcja gornych"))
    assert "J06.9" in _codes(codes.search("icd10", "INF GÓR"))
    assert "O24.4" in _codes(codes.search("icd10", "cukrzyca ciąż"))
    assert "O24.4" in _codes(codes.search("icd10", "cukrzyca ciaz"))
    assert "N76.0" in _codes(codes.search("icd10", "zapalenie pochwy"))
    assert "88.78" in _codes(codes.search("icd9pl", "usg ciężarnej"))


def test_every_word_must_match_a_word_start(ctx):
    assert codes.search("icd10", "ostra zzzz") == []
    assert "J06.9" not in _codes(codes.search("icd10", "fekcja"))  # inside a word, not its start


def test_at_most_twenty_results_and_nothing_for_empty_queries(ctx):
    assert len(codes.search("icd10", "z")) == 20
    assert codes.search("icd10", "   ") == [] and codes.search("icd10", "!!!") == []
    assert codes.search("nonsense", "j06") == []


def test_a_clinics_licensed_name_wins_over_ours(ctx):
    Code(clinic_id=ctx.clinic.pk, system="icd10", code="J06.9", name="Official name",
         search_text="j06.9 official name").save()
    (hit,) = [c for c in codes.search("icd10", "j06.9")]
    assert hit.name == "Official name"
    assert codes.lookup("icd10", ["J06.9"])["J06.9"].name == "Official name"


def test_the_htmx_endpoint_answers_with_pickable_rows(world):
    client = logged_in(world.doctor_user)
    response = client.post("/records/codes/search/", {"system": "icd10", "icd10_q": "nadciś"})
    body = response.content.decode()
    assert response.status_code == 200 and "I10" in body and "Nadciśnienie tętnicze pierwotne" in body
    assert 'hx-post="/records/codes/row/"' in body
    row = client.post("/records/codes/row/", {"system": "icd10", "code": "I10"}).content.decode()
    assert 'name="diagnosis_code" value="I10"' in row and "checked" in row  # the first one is the main one
    second = client.post("/records/codes/row/", {"system": "icd10", "code": "E11.9", "diagnosis_code": "I10"})
    assert "checked" not in second.content.decode()
    again = client.post("/records/codes/row/", {"system": "icd10", "code": "I10", "diagnosis_code": "I10"})
    assert 'name="diagnosis_code"' not in again.content.decode()


def test_the_api_endpoint(world):
    response = api_client(world.doctor_user).get("/api/records/codes", {"system": "icd9pl", "q": "cytologia"})
    assert response.status_code == 200
    assert {"system": "icd9pl", "code": "91.46", "name": "Cytologia szyjki macicy", "source": "builtin"} \
        in response.json()


def test_a_registrar_gets_no_code_search(world):
    assert logged_in(world.users["registrar"]).post(
        "/records/codes/search/", {"system": "icd10", "q": "j06"}).status_code == 403
    assert api_client(world.users["registrar"]).get("/api/records/codes", {"q": "j06"}).status_code == 403
