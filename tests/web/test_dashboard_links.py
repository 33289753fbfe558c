"""The dashboard and the top navigation link to each screen a role may use, and to nothing else.

Every link a page renders is followed with the same user's session: it must answer 200.
"""
import re

import pytest

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.accounts.services import support
from tests.scheduling.clients import logged_in
from tests.scheduling.world import build

pytestmark = pytest.mark.django_db

NAV = {"patients-search", "schedule-today", "schedule-calendars", "staff-practitioners", "staff-accounts",
       "support", "api-tokens", "retention-queue", "breach-incidents",
       "clinic-export"}
DASHBOARD = {
    Role.REGISTRAR: {"patients-search", "patients-register", "schedule-today", "schedule-calendars",
                     "schedule-book", "schedule-waitlist", "staff-practitioners", "api-tokens"},
    # The doctor and the nurse have schedules of their own in the world: "my calendar" opens theirs.
    Role.DOCTOR: {"patients-search", "schedule-today", "schedule-mine", "schedule-calendars",
                  "staff-practitioners", "api-tokens"},
    Role.NURSE: {"patients-search", "schedule-today", "schedule-mine", "schedule-calendars",
                 "staff-practitioners", "api-tokens"},
    Role.CLINIC_ADMIN: {"patients-search", "patients-register", "patients-merges", "schedule-today",
                        "schedule-calendars", "schedule-book", "schedule-waitlist", "schedule-setup",
                        "staff-practitioners", "staff-accounts", "support", "api-tokens", "termination",
                        "clinic-export",
                        "retention-queue",
                        "breach-incidents"},
    Role.DPO: {"staff-practitioners", "api-tokens", "retention-queue", "breach-incidents"},
}


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


def _screens(html: str, container: str) -> set[str]:
    if container == "nav":
        found = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    else:
        found = re.search(r'<div class="dashboard">.*?</div>\s*<section class="role-actions"', html, re.S)
    return set(re.findall(r'data-screen="([^"]+)"', found.group(0))) if found else set()


def _links(html: str) -> set[str]:
    return set(re.findall(r'<a [^>]*href="(/[^"]*)"', html))


def _assert_every_link_opens(client, html):
    links = _links(html)
    assert links
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, href


@pytest.mark.parametrize("role", list(DASHBOARD))
def test_each_role_sees_its_screens_and_every_link_opens(world, role):
    client = logged_in(world.users[role])
    html = client.get("/").content.decode()
    assert _screens(html, "dashboard") == DASHBOARD[role]
    assert _screens(html, "nav") == DASHBOARD[role] & NAV
    _assert_every_link_opens(client, html)


def test_my_calendar_opens_the_users_own_schedule(world):
    client = logged_in(world.users[Role.DOCTOR])
    html = client.get("/").content.decode()
    assert f'href="/schedule/practitioners/{world.gyn.pk}/" data-screen="schedule-mine"' in html


def test_without_a_schedule_of_ones_own_there_is_no_my_calendar(world, people):
    from tests.scheduling.world import make_staff_user

    doctor = make_staff_user(world.clinic, Role.DOCTOR, people)
    html = logged_in(doctor).get("/").content.decode()
    assert "schedule-mine" not in html and "schedule-today" in html


def test_a_vendor_operator_sees_only_the_support_page():
    operator = User.objects.create_user("op-dash", "x" * 12, role=Role.VENDOR_OPERATOR)
    client = logged_in(operator)
    html = client.get("/").content.decode()
    assert _screens(html, "dashboard") == {"support"} and _screens(html, "nav") == {"support"}
    _assert_every_link_opens(client, html)


def test_a_vendor_operator_under_a_grant_sees_what_the_grant_allows(world):
    operator = User.objects.create_user("op-grant", "x" * 12, role=Role.VENDOR_OPERATOR)
    grant = support.grant_support(world.users[Role.CLINIC_ADMIN], operator.username, 2, "ticket 9: calendar")
    client = logged_in(operator)
    assert client.post(f"/support/{grant.pk}/enter/").status_code == 302
    html = client.get("/").content.decode()
    assert _screens(html, "dashboard") == {"support", "patients-search", "schedule-today", "schedule-calendars"}
    _assert_every_link_opens(client, html)


def test_the_current_section_is_marked_in_the_navigation(world):
    html = logged_in(world.users[Role.REGISTRAR]).get("/schedule/today/").content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'data-screen="([^"]+)" aria-current="page"', nav) == ["schedule-today"]


def test_a_user_who_owes_the_code_is_offered_no_screens(client, world):
    client.force_login(world.users[Role.CLINIC_ADMIN], backend="klinika.accounts.backends.StaffBackend")
    html = client.get("/login/").content.decode()
    assert "data-screen=" not in html and 'class="main-nav"' not in html
