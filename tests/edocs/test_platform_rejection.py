"""The platform refuses a document: it ends rejected, with the platform's reason, and is not retried."""
import pytest

from klinika.edocs.gateway import simulator
from klinika.edocs.models import DocStatus, DocumentEvent
from klinika.edocs.services import submission
from klinika.notify.gateways.file import read_outbox
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_package, signed_referral

pytestmark = pytest.mark.django_db
REASON = "REJ-ICD10: diagnosis code missing or malformed (document 1)"


def test_a_rejected_referral_keeps_the_reason_and_its_history(world):
    with simulator.rejecting(REASON):
        referral = signed_referral(world)
    assert referral.status == DocStatus.REJECTED and referral.last_error == REASON
    assert referral.submit_attempts == 1 and referral.next_attempt_at is None and referral.platform_id == ""
    with clinic_context(world.clinic):
        steps = [(e.from_status, e.to_status, e.detail) for e in
                 DocumentEvent.objects.filter(kind="ref", document_id=referral.pk).order_by("pk")]
        assert steps == [("", "draft", "written"), ("draft", "signed", "signed"),
                         ("signed", "signed", "attempt 1: sending to simulator"),
                         ("signed", "rejected", f"attempt 1: rejected by P1: {REASON}")]
        assert submission.due_units() == []
    assert read_outbox() == []  # no access code for a document the platform does not know


def test_a_rejected_package_rejects_every_prescription_in_it(world):
    with simulator.rejecting("REJ-PACKAGE-SIZE: a package holds 1 to 5 prescriptions, got 6"):
        package = signed_package(world)
    with clinic_context(world.clinic):
        statuses = {(rx.status, rx.last_error[:16]) for rx in package.prescriptions.all()}
    assert statuses == {(DocStatus.REJECTED, "REJ-PACKAGE-SIZE")}
