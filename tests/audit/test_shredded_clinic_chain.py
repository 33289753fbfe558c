"""A crypto-shred destroys the clinic's audit key with its other keys. Its chain can no longer be
recomputed, but verify still checks order, gaps and every witnessed checkpoint (public keys are
kept), and says what it could not check."""
import io

import pytest
from django.core.management import call_command

from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.audit.verify import verify
from klinika.crypto.errors import KeyDestroyed
from klinika.lifecycle.services import shred_clinic
from klinika.tenancy.context import clinic_context

from . import intruder

pytestmark = pytest.mark.django_db


@pytest.fixture
def shredded(clinic, django_capture_on_commit_callbacks):
    with clinic_context(clinic):
        for i in range(10):
            record(Action.READ, object_type="patient", object_id=i)
    with django_capture_on_commit_callbacks(execute=True):
        shred_clinic(clinic, reason="contract ended")  # signs and witnesses a last checkpoint first
    return clinic


def test_a_shredded_clinic_verifies_and_says_its_links_were_not_recomputed(shredded):
    report = verify(shredded.pk)
    assert report.ok, report.problems
    assert report.key_shredded and report.pending == 0 and report.witnessed == 1
    out = io.StringIO()
    call_command("audit", "verify", shredded.slug, stdout=out)
    assert "crypto-shredded and its audit key with it" in out.getvalue()


def test_a_cut_chain_of_a_shredded_clinic_is_still_caught(shredded):
    chain = str(shredded.pk)
    intruder.cut_tail(chain, 5)
    intruder.delete_checkpoints(chain)
    report = verify(shredded.pk)
    assert report.first_bad.seq == 5 and report.first_bad.kind == "truncated"


def test_a_shredded_clinic_chain_takes_no_new_events(shredded):
    with clinic_context(shredded), pytest.raises(KeyDestroyed):
        record(Action.READ, object_type="patient", object_id=1)
