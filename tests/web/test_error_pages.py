import pytest
from django.test import Client
from django.urls import include, path

from tests.accounts.logins import log_in

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


# The project's pages plus one that fails, for the 500 page test.
urlpatterns = [path("boom/", _boom), path("", include("klinika.urls"))]


def test_an_unknown_page_for_a_logged_in_user_is_a_translated_404(client, doctor):
    log_in(client, doctor)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Nie ma takiej strony" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_server_error_shows_a_calm_translated_page(doctor):
    client = Client(raise_request_exception=False)
    log_in(client, doctor)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Coś poszło nie tak" in body and "Traceback" not in body and "a bug" not in body
