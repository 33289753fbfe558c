"""Every page a role opens has a plain-text <title> (a block left open in a template once put a form there)."""
import re

import pytest
from django.urls import resolve

from klinika.accounts.roles import Role
from tests.api.edge_world import build_edge_world
from tests.scheduling.clients import logged_in
from tests.web.urlwalk import every_url

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.CLINIC_ADMIN, Role.REGISTRAR])
def test_every_page_title_is_plain_text(clinic, people, role):
    world = build_edge_world(clinic, people)
    client = logged_in(world.users[role], "pl")
    seen = set()
    for url, _pattern in every_url():
        if url.startswith("/api/") or resolve(url).view_name == "logout":
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        found = TITLE.search(response.content.decode())
        if found is None:
            continue  # an htmx fragment
        seen.add(url)
        title = found.group(1).strip()
        assert "<" not in title and "\n" not in title and title.endswith("klinika"), (url, title[:120])
    # The urlwalk fills ids with made-up values, so pages of objects may be 404s; the lists are not.
    assert "/" in seen and len(seen) >= 5
    if role == Role.CLINIC_ADMIN:
        assert "/accounts/" in seen  # the page whose title once held the invitation form
