"""The clinic administrator's screens: where the termination stands, acknowledging the export by its
manifest's SHA-256, and the certificate (JSON and PDF) for the clinic's admin only."""
import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.lifecycle.termination import certificate, services, views
from klinika.tenancy.context import clinic_context

from .conftest import PASSWORD, make_admin, write_export

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="klinika.accounts.backends.StaffBackend")
    return client


@pytest.fixture
def demo_clinic(make_clinic):
    return make_clinic(is_demo=True)  # logins without a second factor


def test_the_admin_sees_the_steps_and_acknowledges_the_export_by_its_hash(demo_clinic, tmp_path):
    admin = make_admin(demo_clinic)
    client = signed_in(admin)
    page = client.get(reverse("termination:status"))
    assert page.status_code == 200 and "Nie trwa wypowiedzenie umowy" in page.content.decode()

    services.give_notice(demo_clinic, reason="koniec umowy", by="operator-1")
    digest = write_export(demo_clinic, tmp_path / "export")
    services.record_delivery(demo_clinic, tmp_path / "export", by="operator-1")
    page = client.get(reverse("termination:status")).content.decode()
    assert "Wypowiedzenie umowy złożone" in page and "Potwierdź odbiór eksportu" in page and digest in page

    wrong = client.post(reverse("termination:status"), {"manifest_sha256": "a" * 64})
    assert wrong.status_code == 400 and "To nie jest skrót SHA-256" in wrong.content.decode()
    assert services.termination_of(demo_clinic).acknowledged_at is None

    done = client.post(reverse("termination:status"), {"manifest_sha256": digest}, follow=True)
    assert done.status_code == 200 and "Okres przejściowy kończy się" in done.content.decode()
    assert services.termination_of(demo_clinic).acknowledged_by == admin.username


def test_other_roles_are_refused_and_other_clinics_certificates_are_not_found(demo_clinic, make_clinic):
    doctor = User.objects.create_user("lekarz-x", PASSWORD, role=Role.DOCTOR, clinic=demo_clinic)
    assert signed_in(doctor).get(reverse("termination:status")).status_code == 403
    other = make_clinic(is_demo=True)
    theirs = services.give_notice(other, reason="contract ended", by="operator-1")
    client = signed_in(make_admin(demo_clinic))
    for name in ("termination:certificate-json", "termination:certificate-pdf"):
        assert client.get(reverse(name, args=[theirs.public_id])).status_code == 404
    mine = services.give_notice(demo_clinic, reason="contract ended", by="operator-1")
    assert client.get(reverse("termination:certificate-json", args=[mine.public_id])).status_code == 404  # none yet


def test_the_certificate_downloads_as_json_and_pdf_for_the_clinics_admin_only(synth_clinic, acknowledged, settings,
                                                                             make_clinic):
    settings.KLINIKA_TERMINATION_GRACE_DAYS = 0
    clinic = synth_clinic("pobranie")
    acknowledged(clinic)
    termination = services.advance(clinic)
    # The clinic's logins are removed with its rows, so the view is called as a session of its admin
    # that outlived them would call it (the middleware puts the user's clinic in context).
    factory = RequestFactory()
    admin = User(username="pobranie-admin", role=Role.CLINIC_ADMIN, clinic=clinic, is_active=True)
    for kind in ("json", "pdf"):
        request = factory.get("/")
        request.user = admin
        with clinic_context(clinic):
            response = views.certificate_download(request, termination.public_id, kind)
        assert response.status_code == 200
        assert f"deletion-certificate-{termination.public_id}.{kind}" in response["Content-Disposition"]
        assert certificate.verify(response.content).ok
    stranger = make_clinic()
    request = factory.get("/")
    request.user = make_admin(stranger)
    with clinic_context(stranger), pytest.raises(views.Http404):
        views.certificate_download(request, termination.public_id, "json")
