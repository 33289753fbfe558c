"""`klinika edocs retry` submits whatever is due, so a document signed during an outage is not left behind."""
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from klinika.edocs.gateway import simulator
from klinika.edocs.models import DocStatus, Referral
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_referral

pytestmark = pytest.mark.django_db


def test_the_command_submits_due_documents_of_the_clinic(world):
    with simulator.outage():
        referral = signed_referral(world)
    assert referral.status == DocStatus.SIGNED
    with clinic_context(world.clinic):
        Referral.objects.filter(pk=referral.pk).update(next_attempt_at=timezone.now())
    out = io.StringIO()
    call_command("edocs", "retry", "--clinic", world.clinic.slug, stdout=out)
    assert out.getvalue().strip() == f"{world.clinic.slug}: 1 submitted, 0 rejected, 0 unavailable, 0 not-due"
    with clinic_context(world.clinic):
        assert Referral.objects.get(pk=referral.pk).status == DocStatus.SUBMITTED


@pytest.mark.parametrize("action", ["retry", "enqueue"])
def test_a_terminated_clinic_is_refused_with_the_reason(make_clinic, action):
    from django.core.management.base import CommandError

    from klinika.lifecycle.services import shred_clinic

    clinic = make_clinic()
    shred_clinic(clinic, reason="contract ended")
    with pytest.raises(CommandError, match=f"Clinic {clinic.slug} is terminated: it submits no e-documents"):
        call_command("edocs", action, "--clinic", clinic.slug, stdout=io.StringIO())
