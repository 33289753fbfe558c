"""The platform does not answer: the document stays signed with the reason and the attempt count,
is retried with growing waits, and goes through once the platform is back. Nothing is lost."""
import datetime

import pytest
from django.utils import timezone

from klinika.edocs import services
from klinika.edocs.gateway import simulator
from klinika.edocs.models import DocStatus, DocumentEvent, Prescription
from klinika.edocs.services import submission
from klinika.notify.gateways.file import read_outbox
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_package, signed_sick_leave

pytestmark = pytest.mark.django_db


def _fresh(package):
    return list(Prescription.objects.filter(package=package).order_by("pk"))


def test_an_outage_leaves_the_package_signed_and_a_later_retry_submits_it(world):
    with simulator.outage():
        package = signed_package(world)
        with clinic_context(world.clinic):
            first = _fresh(package)
            assert {(rx.status, rx.submit_attempts) for rx in first} == {(DocStatus.SIGNED, 1)}
            assert all(rx.last_error.startswith("platform unavailable at attempt 1") for rx in first)
            due_at = first[0].next_attempt_at
            assert due_at - timezone.now() <= submission.FIRST_RETRY
            assert submission.retry_due() == {"submitted": 0, "rejected": 0, "unavailable": 0, "not-due": 0}
            later = due_at + datetime.timedelta(seconds=1)
            assert submission.retry_due(now=later)["unavailable"] == 1
            second = _fresh(package)
            assert second[0].submit_attempts == 2 and second[0].next_attempt_at - later == submission.backoff(2)
    assert read_outbox() == []
    with clinic_context(world.clinic):
        assert submission.retry_due(now=second[0].next_attempt_at)["submitted"] == 1
        done = _fresh(package)
        assert {(rx.status, rx.last_error, rx.submit_attempts) for rx in done} == {(DocStatus.SUBMITTED, "", 3)}
        assert all(rx.platform_id.startswith("P1-RX-") and rx.next_attempt_at is None for rx in done)
        details = list(DocumentEvent.objects.filter(kind="rx", document_id=done[0].pk).values_list("detail", flat=True))
    assert sum("P1 unavailable, not sent" in d for d in details) == 2
    assert details[-2].startswith("attempt 3: P1 confirmed, registered as P1-RX-")
    assert len(read_outbox()) == 1  # the access code goes out once, after registration


def test_the_doctor_can_send_it_again_at_once(world):
    with simulator.outage(calls=1):
        leave = signed_sick_leave(world)
    assert leave.status == DocStatus.SIGNED and leave.submit_attempts == 1
    with clinic_context(world.clinic):
        services.submit_again(world.doctor, "zla", leave.pk)
        leave.refresh_from_db()
    assert leave.status == DocStatus.SUBMITTED and leave.platform_id.startswith("ZUS-ZLA-")


def test_automatic_retries_stop_after_a_limit_but_the_document_stays(world, monkeypatch):
    monkeypatch.setattr(submission, "MAX_AUTOMATIC_ATTEMPTS", 2)
    with simulator.outage():
        leave = signed_sick_leave(world)
        with clinic_context(world.clinic):
            submission.retry_due(now=leave.next_attempt_at)
            leave.refresh_from_db()
    assert leave.status == DocStatus.SIGNED and leave.submit_attempts == 2 and leave.next_attempt_at is None
    assert "automatic retries stopped" in leave.last_error


def test_a_claimed_attempt_is_not_taken_twice(world):
    with simulator.outage():
        leave = signed_sick_leave(world)
    with clinic_context(world.clinic):
        due = leave.next_attempt_at
        # A worker claims it (pushing the next attempt a lease ahead) and dies before answering.
        leave.__class__.objects.filter(pk=leave.pk).update(next_attempt_at=due + submission.LEASE)
        assert submission.attempt("zla", leave.pk, now=due).outcome == "not-due"
        assert submission.attempt("zla", leave.pk, now=due + submission.LEASE).outcome == "submitted"


def test_a_repeated_submission_of_the_same_document_gets_the_same_ids(world):
    leave = signed_sick_leave(world)
    with clinic_context(world.clinic):
        leave.refresh_from_db()
        platform_submission = submission.build_submission("zla", [leave])
    again = simulator.SimulatedPlatform().submit(platform_submission)
    assert again.accepted and again.platform_ids == [leave.platform_id]
