import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.logins import PASSWORD, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_page(client):
    return client.get(reverse("login"))


def _csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.strip() for d in policy.split(";") if d.strip()}


def test_content_security_policy_allows_only_our_own_scripts_and_styles(login_page):
    csp = _csp(login_page)
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in login_page["Content-Security-Policy"]
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["form-action"] == "form-action 'self'"


def test_the_pages_use_no_inline_scripts_or_styles(login_page):
    body = login_page.content.decode()
    assert "<script>" not in body and "<style" not in body and not re.search(r"\sstyle=", body)


def test_framing_sniffing_referrers_and_openers_are_locked_down(login_page):
    assert login_page["X-Frame-Options"] == "DENY"
    assert login_page["X-Content-Type-Options"] == "nosniff"
    assert login_page["Referrer-Policy"] == "same-origin"
    assert login_page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_headers_are_on_private_pages_and_redirects_too(client, doctor):
    redirect = client.get("/")
    assert redirect.status_code == 302 and redirect["X-Frame-Options"] == "DENY"
    log_in(client, doctor)
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert header in dashboard


def test_the_session_cookie_is_http_only_and_same_site(client, doctor):
    response = log_in(client, doctor)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # Ends with the browser as well as after idling.
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_the_seen_marker_cookie_is_http_only_too(client, doctor):
    cookie = log_in(client, doctor).cookies["klinika_seen"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_a_login_post_without_the_csrf_token_is_refused(doctor):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": doctor.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session and "klinika_pending_user" not in client.session
    assert "formularz" in response.content.decode().lower()


def test_a_login_post_with_the_csrf_token_goes_through(doctor):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("login"), {"username": doctor.username, "password": PASSWORD,
                                               "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login-verify"))


def test_logout_needs_the_csrf_token_too(make_user, demo_clinic):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(clinic=demo_clinic), backend="klinika.accounts.backends.StaffBackend")
    assert client.post(reverse("logout")).status_code == 403
    assert client.get("/").status_code == 200
