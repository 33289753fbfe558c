import datetime

import pytest
from django.test import Client
from django.utils import timezone

from klinika.accounts.models import ApiToken, User
from klinika.accounts.roles import Role
from klinika.accounts.services.tokens import create_token, revoke_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(clinic):
    return User.objects.create_user("doc-api", "correct-horse-battery", role=Role.DOCTOR, clinic=clinic)


def test_no_credentials_is_401():
    assert Client().get("/api/me").status_code == 401


def test_a_token_authenticates_and_only_its_hash_is_stored(doctor):
    raw, token = create_token(doctor, "lab integration")
    assert raw not in token.digest and ApiToken.objects.filter(digest__contains=raw).count() == 0
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json() == {"username": "doc-api", "role": "doctor", "clinic": str(doctor.clinic_id)}


@pytest.mark.parametrize("spoil", ["revoke", "expire", "deactivate", "garble"])
def test_a_dead_token_is_refused(doctor, spoil):
    raw, token = create_token(doctor, "x")
    if spoil == "revoke":
        assert revoke_token(doctor, token.pk)
    elif spoil == "expire":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif spoil == "deactivate":
        User.objects.filter(pk=doctor.pk).update(is_active=False)
    else:
        raw = raw[:-2] + "xx"
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401 and "detail" in response.json()


def test_a_session_needs_csrf_for_writes_and_works_for_reads(make_clinic):
    demo = make_clinic(is_demo=True)
    user = User.objects.create_user("reg-api", "correct-horse-battery", role=Role.REGISTRAR, clinic=demo)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="klinika.accounts.backends.StaffBackend")
    assert client.get("/api/me").status_code == 200


def test_openapi_docs_need_login(doctor):
    assert Client().get("/api/docs").status_code in (302, 401)
    raw, _ = create_token(doctor, "x")
    assert Client().get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_malformed_body_is_a_400_with_field_errors(doctor):
    raw, _ = create_token(doctor, "x")
    response = Client().post("/api/patients", data="{not json", content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400
    wrong_type = Client().post("/api/patients", data={"first_name": ["a"]}, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert wrong_type.status_code in (400, 403) and "detail" in wrong_type.json()
