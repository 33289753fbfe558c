"""Every page, opened and posted by logged-in staff with dates at the ends of the calendar in the usual
date parameters, answers without a 500; with a NUL byte in any parameter it answers the 400 page."""
import pytest
from django.urls import resolve

from klinika.accounts.roles import Role
from tests.api.edge_world import build_edge_world
from tests.scheduling.clients import logged_in
from tests.web.urlwalk import every_url

pytestmark = pytest.mark.django_db

DATE_NAMES = ["date", "week", "day", "valid_from", "valid_until", "earliest", "latest", "starts_at", "ends_at",
              "date_from", "date_to", "birth_date", "from", "to"]
EDGES = ["9999-12-31", "0001-01-01"]


def _pages():
    """Every page outside the API, except logging out (it would end the walk's session)."""
    return [url for url, _pattern in every_url()
            if not url.startswith("/api/") and resolve(url).view_name not in {"logout"}]


@pytest.fixture
def world(clinic, people):
    return build_edge_world(clinic, people)


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.CLINIC_ADMIN])
@pytest.mark.parametrize("edge", EDGES)
def test_no_page_is_a_500_for_a_date_at_the_end_of_the_calendar(world, role, edge):
    client = logged_in(world.users[role], "en")
    params = {name: edge for name in DATE_NAMES} | {"view": "week"}
    for url in _pages():
        assert client.get(url, params).status_code < 500, url
        assert client.post(url, params).status_code < 500, url


def test_a_nul_byte_in_any_parameter_of_any_page_is_the_400_page(world):
    client = logged_in(world.users[Role.DOCTOR], "pl")
    for url in _pages():
        for response in (client.get(url, {"q": "a\x00"}), client.post(url, {"name": "\x00"})):
            assert response.status_code == 400, url
            assert "znak sterujący" in response.content.decode(), url
