"""A user's API tokens page: a new token is shown once and works; a revoked one stops at once."""
import re

import pytest
from django.test import Client
from django.urls import reverse

from klinika.accounts.models import ApiToken
from klinika.accounts.roles import Role
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db


def _new_token(page: str) -> str:
    return re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)


def _api_me(raw):
    return Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_new_token_is_shown_once_uncached_and_works(make_user):
    doctor = make_user(Role.DOCTOR)
    client = logged_in(doctor)
    response = client.post(reverse("api-tokens"), {"name": "lab results import", "days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = _new_token(response.content.decode())
    assert _api_me(raw).json()["username"] == doctor.username
    again = client.get(reverse("api-tokens")).content.decode()
    assert raw not in again and "lab results import" in again and raw[:10] in again
    token = ApiToken.objects.get(user=doctor)
    assert 29 <= (token.expires_at - token.created_at).days <= 30


def test_bad_input_creates_nothing(make_user):
    client = logged_in(make_user(Role.NURSE))
    response = client.post(reverse("api-tokens"), {"name": "", "days": "9999"})
    assert response.status_code == 400 and 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_and_nobody_else_can_revoke_it(make_user, clinic):
    owner = make_user(Role.REGISTRAR, clinic=clinic)
    colleague = make_user(Role.CLINIC_ADMIN, clinic=clinic)
    raw = _new_token(logged_in(owner).post(reverse("api-tokens"), {"name": "kiosk", "days": "5"}).content.decode())
    token = ApiToken.objects.get(user=owner)
    revoke = reverse("api-token-revoke", args=[token.pk])
    assert logged_in(colleague).post(revoke).status_code == 404
    assert _api_me(raw).status_code == 200
    client = logged_in(owner)
    assert client.get(revoke).status_code == 405
    assert client.post(revoke).status_code == 302
    assert _api_me(raw).status_code == 401
    assert "Token unieważniony" in client.get(reverse("api-tokens")).content.decode()


def test_a_vendor_operator_has_no_tokens_page(make_user):
    client = logged_in(make_user(Role.VENDOR_OPERATOR))
    assert client.get(reverse("api-tokens")).status_code == 403
    assert client.post(reverse("api-tokens"), {"name": "x", "days": "1"}).status_code == 403
    assert not ApiToken.objects.exists()
