"""A signed document is "waiting to be sent" until the platform (here its simulator) confirms it: on
the panel, in the API, on the printout and in the patient's messages. Only then is it "sent", with
an access code and a QR code that work.

As in production, signing only queues the submission (the database task backend); the test then
runs what the worker would run for the queued task, `submission.attempt`.
"""
import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from klinika.edocs import notices, services, statuses
from klinika.edocs.gateway import simulator
from klinika.edocs.models import DocStatus, DocumentEvent, Prescription, SickLeave
from klinika.edocs.services import submission
from klinika.notify.gateways.file import read_outbox
from klinika.tenancy.context import clinic_context
from tests.edocs.clients import api_client, logged_in
from tests.edocs.world import amoxicillin_item, free_item, referral_data, sick_leave_data

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def queued(settings):
    """Tasks wait in the database for a worker, as in production."""
    settings.TASKS = DATABASE_TASKS


def _text(pdf: bytes) -> str:
    """The PDF's words, one space between them (lines wrap wherever the layout puts them)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _written_package(world):
    with clinic_context(world.clinic):
        return services.issue_prescriptions(world.doctor, encounter_id=world.encounter.pk,
                                            items=[amoxicillin_item(), free_item()])


def _worker_runs(world, kind, unit_id):
    """What the worker does with the queued task."""
    with clinic_context(world.clinic):
        return submission.attempt(kind, unit_id).outcome


def test_signing_only_queues_and_the_panel_says_waiting_until_p1_confirms(world, queued):
    from django_tasks_db.models import DBTaskResult

    package = _written_package(world)
    client = logged_in(world.doctor)
    signed = client.post(f"/edocs/rx/{package.pk}/sign/", **HTMX).content.decode()
    assert "Signed; waiting to be sent to P1. The status changes once P1 confirms receipt." in signed
    assert "signed, waiting to be sent to P1" in signed and "sent to P1 (confirmed)" not in signed
    assert "the access code works once P1 confirms" in signed and package.access_code not in signed
    assert "Signed and sent" not in signed
    task = DBTaskResult.objects.get(task_path="klinika.edocs.tasks.submit_unit")
    assert task.status == "READY" and task.args_kwargs["args"] == [str(world.clinic.pk), "rx", package.pk]
    assert read_outbox() == []  # no access code before P1 has it

    assert _worker_runs(world, "rx", package.pk) == "submitted"
    page = client.get(f"/edocs/encounters/{world.encounter.pk}/panel/", **HTMX).content.decode()
    assert "sent to P1 (confirmed)" in page and "waiting to be sent" not in page
    assert f'<span class="access-code">{package.access_code}</span>' in page
    [sms] = read_outbox()
    assert package.access_code in sms["text"]


def test_the_api_says_waiting_then_sent_and_gives_the_code_only_once_registered(world, queued):
    package = _written_package(world)
    api = api_client(world.doctor)
    signed = api.post(f"/api/edocs/rx/{package.pk}/sign", {}, content_type="application/json").json()
    assert signed["status"] == "signed" and signed["status_text"] == "signed, waiting to be sent to P1"
    assert signed["access_code"] == ""
    assert {(d["status"], d["status_text"], d["platform_id"]) for d in signed["documents"]} == {
        ("signed", "signed, waiting to be sent to P1", "")}
    polish = api_client(world.doctor, "pl").get(f"/api/edocs/rx/{package.pk}").json()
    assert polish["status_text"] == "podpisane, czekają na wysłanie do P1"  # a package: plural
    assert polish["documents"][0]["status_text"] == "podpisana, czeka na wysłanie do P1"

    _worker_runs(world, "rx", package.pk)
    sent = api.get(f"/api/edocs/rx/{package.pk}").json()
    assert sent["status"] == "submitted" and sent["status_text"] == "sent to P1 (confirmed)"
    assert sent["access_code"] == package.access_code
    assert all(d["platform_id"].startswith("P1-RX-") for d in sent["documents"])
    polish = api_client(world.doctor, "pl").get(f"/api/edocs/rx/{package.pk}").json()
    assert polish["status_text"] == "wysłane do P1 (potwierdzone)"
    assert polish["documents"][0]["status_text"] == "wysłana do P1 (potwierdzona)"
    schema = api.get("/api/openapi.json").json()["components"]["schemas"]
    assert "WAITING to be sent" in schema["UnitOut"]["properties"]["status"]["description"]
    assert "once the platform has registered" in schema["UnitOut"]["properties"]["access_code"]["description"]


def test_a_printout_before_confirmation_says_it_is_not_in_p1_and_carries_no_code(world, queued):
    package = _written_package(world)
    with clinic_context(world.clinic):
        services.sign(world.doctor, "rx", package.pk)
        _name, early = services.printout(world.doctor, "rx", package.pk)
    text = _text(early)
    assert "Te e-recepty są podpisane, ale jeszcze niezarejestrowane w P1." in text
    assert "Apteka nie może jeszcze niczego wydać na podstawie tego wydruku" in text
    assert "podpisane, czekają na wysłanie do P1" in text
    assert "Kod dostępu" not in text and "P1-RX-" not in text
    assert "krajowym systemie" not in text  # the note of a registered prescription

    _worker_runs(world, "rx", package.pk)
    with clinic_context(world.clinic):
        _name, late = services.printout(world.doctor, "rx", package.pk)
        platform_id = Prescription.objects.filter(package=package).order_by("pk").first().platform_id
    text = _text(late)
    assert "wysłane do P1 (potwierdzone)" in text and "niezarejestrowane" not in text and "krajowym systemie" in text
    assert f"Kod dostępu: {package.access_code}" in text and platform_id in text


def test_an_e_zla_waits_for_zus_on_screen_in_the_api_and_on_its_printout(world, queued):
    with clinic_context(world.clinic):
        leave = services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk, data=sick_leave_data())
    signed = logged_in(world.doctor).post(f"/edocs/zla/{leave.pk}/sign/", **HTMX).content.decode()
    assert "Signed; waiting to be sent to ZUS." in signed and "signed, waiting to be sent to ZUS" in signed
    api = api_client(world.doctor)
    assert api.get(f"/api/edocs/zla/{leave.pk}").json()["status_text"] == "signed, waiting to be sent to ZUS"
    assert api_client(world.doctor, "pl").get(f"/api/edocs/zla/{leave.pk}").json()["status_text"] == (
        "podpisane, czeka na wysłanie do ZUS")
    with clinic_context(world.clinic):
        _name, early = services.printout(world.doctor, "zla", leave.pk)
    text = _text(early)
    assert "To e-ZLA jest podpisane, ale ZUS jeszcze nie potwierdził jego przyjęcia." in text
    assert "podpisane, czeka na wysłanie do ZUS" in text and "ZUS-ZLA-" not in text
    assert "wysłano do ZUS" not in text

    assert _worker_runs(world, "zla", leave.pk) == "submitted"
    assert api.get(f"/api/edocs/zla/{leave.pk}").json()["status_text"] == "sent to ZUS (confirmed)"
    with clinic_context(world.clinic):
        _name, late = services.printout(world.doctor, "zla", leave.pk)
        platform_id = SickLeave.objects.get(pk=leave.pk).platform_id
    text = _text(late)
    assert "wysłane do ZUS (potwierdzone)" in text and platform_id in text and "nie potwierdził" not in text
    assert "wysłano do ZUS" in text


def test_no_access_code_message_for_a_document_the_platform_has_not_registered(world, queued):
    with clinic_context(world.clinic):
        referral = services.create_referral(world.doctor, encounter_id=world.encounter.pk, data=referral_data())
        [signed] = services.sign(world.doctor, "ref", referral.pk)
        assert signed.status == DocStatus.SIGNED
        assert notices.send_access_code("ref", [signed]) is None
        assert DocumentEvent.objects.filter(document_id=referral.pk,
                                            detail="access code not sent: not registered by P1 yet").exists()
    assert read_outbox() == []
    assert api_client(world.doctor).post(f"/api/edocs/ref/{referral.pk}/notify", {},
                                         content_type="application/json").status_code == 400


def test_a_rejection_names_the_platform_and_its_reason(world, queued):
    with clinic_context(world.clinic):
        referral = services.create_referral(world.doctor, encounter_id=world.encounter.pk, data=referral_data())
        services.sign(world.doctor, "ref", referral.pk)
    with simulator.rejecting("REJ-ICD10: malformed"):
        assert _worker_runs(world, "ref", referral.pk) == "rejected"
    unit = api_client(world.doctor).get(f"/api/edocs/ref/{referral.pk}").json()
    assert unit["status_text"] == "rejected by P1: REJ-ICD10: malformed" and unit["access_code"] == ""
    polish = api_client(world.doctor, "pl").get(f"/api/edocs/ref/{referral.pk}").json()
    assert polish["status_text"] == "odrzucone przez P1: REJ-ICD10: malformed"


@pytest.mark.parametrize(("kind", "many", "expected"), [
    ("rx", False, ["szkic, jeszcze niepodpisana", "podpisana, czeka na wysłanie do P1",
                   "wysłana do P1 (potwierdzona)", "odrzucona przez P1", "anulowana"]),
    ("rx", True, ["szkic, jeszcze niepodpisane", "podpisane, czekają na wysłanie do P1",
                  "wysłane do P1 (potwierdzone)", "odrzucone przez P1", "anulowane"]),
    ("ref", False, ["szkic, jeszcze niepodpisane", "podpisane, czeka na wysłanie do P1",
                    "wysłane do P1 (potwierdzone)", "odrzucone przez P1", "anulowane"]),
    ("zla", False, ["szkic, jeszcze niepodpisane", "podpisane, czeka na wysłanie do ZUS",
                    "wysłane do ZUS (potwierdzone)", "odrzucone przez ZUS", "anulowane"]),
])
def test_polish_statuses_agree_with_the_document(kind, many, expected):
    """e-recepta is feminine, e-skierowanie and e-ZLA (zwolnienie) neuter, a package plural."""
    order = [DocStatus.DRAFT, DocStatus.SIGNED, DocStatus.SUBMITTED, DocStatus.REJECTED, DocStatus.CANCELLED]
    with translation.override("pl"):
        assert [statuses.describe(kind, status, many=many) for status in order] == expected


def test_a_document_whose_retries_stopped_says_it_was_not_sent(world):
    with simulator.outage():
        with clinic_context(world.clinic):
            leave = services.create_sick_leave(world.doctor, encounter_id=world.encounter.pk,
                                               data=sick_leave_data())
            services.sign(world.doctor, "zla", leave.pk)
            SickLeave.objects.filter(pk=leave.pk).update(submit_attempts=submission.MAX_AUTOMATIC_ATTEMPTS - 1)
            SickLeave.objects.filter(pk=leave.pk).update(next_attempt_at=SickLeave.objects.get(pk=leave.pk).signed_at)
            assert submission.attempt("zla", leave.pk).outcome == "unavailable"
    unit = api_client(world.doctor).get(f"/api/edocs/zla/{leave.pk}").json()
    assert unit["status"] == "signed"
    assert unit["status_text"] == "signed, NOT sent to ZUS: automatic retries stopped, send it again"
