import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import resolve, reverse

from klinika.accounts.middleware import PUBLIC_URL_NAMES
from klinika.accounts.roles import Role
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.web.urlwalk import every_url

pytestmark = pytest.mark.django_db
STAFF_BACKEND = "klinika.accounts.backends.StaffBackend"


@pytest.fixture
def patient_strings(make_clinic, people):
    """Patients exist, so a leak would have something to leak."""
    strings = set()
    with clinic_context(make_clinic()):
        for _ in range(3):
            data = people.patient()
            Patient(**data).save()
            strings |= {data["first_name"], data["last_name"], data["pesel"], data["phone"], data["email"]}
    return {s for s in strings if s}


def _urls():
    return [(url, resolve(url).view_name) for url, _pattern in every_url()]


def _assert_refused(response, url):
    if url.startswith("/api/"):
        assert response.status_code == 401, url
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def _assert_no_patient_data(response, strings, url):
    text = response.content.decode(errors="replace") + " ".join(f"{k}: {v}" for k, v in response.items())
    leaked = [s for s in strings if s in text]
    assert not leaked, f"{url} shows patient data"


def test_the_walk_finds_the_known_pages():
    names = {name for _url, name in _urls()}
    assert {"dashboard", "login", "login-verify", "logout", "set_language", "healthz"} <= names


def test_the_public_allowlist_names_real_pages():
    assert PUBLIC_URL_NAMES <= {name for _url, name in _urls()}


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_private_url_sends_an_anonymous_visitor_to_the_login(client, patient_strings, method):
    for url, name in _urls():
        response = getattr(client, method)(url)
        assert response.status_code < 500, url
        _assert_no_patient_data(response, patient_strings, url)
        if name not in PUBLIC_URL_NAMES:
            _assert_refused(response, url)


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.CLINIC_ADMIN, Role.VENDOR_OPERATOR])
def test_a_password_without_the_code_opens_nothing(client, make_user, patient_strings, role):
    user = make_user(role)
    client.force_login(user, backend=STAFF_BACKEND)
    assert client.session[BACKEND_SESSION_KEY] == STAFF_BACKEND
    for url, name in _urls():
        response = client.get(url)
        assert response.status_code < 500, url
        _assert_no_patient_data(response, patient_strings, url)
        if name not in PUBLIC_URL_NAMES:
            _assert_refused(response, url)


def test_unknown_addresses_do_not_reveal_that_they_do_not_exist(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_api_answers_401_not_a_redirect(client):
    response = client.get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_htmx_request_is_told_to_load_the_login_page(client):
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("login") + "?next=")


def test_static_files_are_not_behind_the_login(client):
    response = client.get("/static/web/klinika.css")
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("login")))
