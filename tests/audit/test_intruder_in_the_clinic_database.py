"""With write access to the clinic database alone, a rewritten audit chain is still caught.

The chain's links are keyed (HMAC under the audit key in the keystore) and every checkpoint
is witnessed outside the clinic database, so neither recomputing the links nor deleting the
checkpoints makes `audit verify` say OK.
"""
import pytest
from django.core.management import CommandError, call_command

from klinika.audit.models import Action
from klinika.audit.services import checkpoint, record
from klinika.audit.verify import verify
from klinika.tenancy.context import clinic_context

from . import intruder

pytestmark = pytest.mark.django_db


@pytest.fixture
def witnessed(clinic, django_capture_on_commit_callbacks):
    """A chain: 10 events, a witnessed checkpoint, 10 events more."""
    with clinic_context(clinic):
        for i in range(10):
            record(Action.READ, object_type="patient", object_id=i)
        with django_capture_on_commit_callbacks(execute=True):
            checkpoint(clinic.pk)
        for i in range(10, 20):
            record(Action.UPDATE, object_type="patient", object_id=i)
    report = verify(clinic.pk)
    assert report.ok, report.problems
    assert report.witnessed == 1 and report.pending == 10
    return clinic


def _verify_command(clinic) -> str:
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError, match="1 audit chain"):
        call_command("audit", "verify", clinic.slug, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("how", intruder.RELINKS)
def test_a_changed_event_after_the_last_checkpoint_with_the_chain_recomputed(witnessed, how):
    chain = str(witnessed.pk)
    untouched = intruder.outside_the_clinic_database(chain)
    seq = intruder.seq_of(chain, 15)
    intruder.sql("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE chain = %s AND seq = %s", [chain, seq])
    intruder.relink(chain, seq, how)

    report = verify(witnessed.pk)
    assert report.first_bad.seq == seq and report.first_bad.kind == "altered", report.problems
    assert f"{witnessed.slug}: BROKEN — first bad: event #{seq}: altered" in _verify_command(witnessed)
    assert intruder.outside_the_clinic_database(chain) == untouched


def test_a_cut_tail_with_a_reset_head_and_no_checkpoints_left(witnessed):
    chain = str(witnessed.pk)
    untouched = intruder.outside_the_clinic_database(chain)
    cut_from = intruder.seq_of(chain, 7)  # before the witnessed checkpoint
    intruder.cut_tail(chain, cut_from)
    intruder.delete_checkpoints(chain)

    report = verify(witnessed.pk)
    assert not report.ok
    assert report.first_bad.seq == cut_from and report.first_bad.kind == "truncated", report.problems
    assert any(p.kind == "checkpoint" and "removed from the clinic database" in p.detail for p in report.problems)
    output = _verify_command(witnessed)
    assert f"event #{cut_from}: truncated: a witnessed checkpoint (keystore) covers #" in output
    assert intruder.outside_the_clinic_database(chain) == untouched


@pytest.mark.parametrize("how", intruder.RELINKS)
def test_an_old_event_changed_every_hash_recomputed_and_every_checkpoint_deleted(witnessed, how):
    chain = str(witnessed.pk)
    untouched = intruder.outside_the_clinic_database(chain)
    seq = intruder.seq_of(chain, 3)
    intruder.sql("UPDATE audit_auditevent SET actor_id = 4242 WHERE chain = %s AND seq = %s", [chain, seq])
    intruder.relink(chain, 1, how)
    assert intruder.delete_checkpoints(chain) == 1

    report = verify(witnessed.pk)
    assert report.first_bad.seq <= seq, report.problems
    assert any(p.seq == seq and p.kind == "altered" for p in report.problems)
    assert any(p.kind == "checkpoint" for p in report.problems)  # the witnessed checkpoint is gone
    assert "BROKEN" in _verify_command(witnessed)
    assert intruder.outside_the_clinic_database(chain) == untouched


def test_verify_reports_the_events_not_yet_under_a_checkpoint(witnessed):
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", witnessed.slug, stdout=out)
    assert f"{witnessed.slug}: OK (" in out.getvalue()
    assert "10 event(s) not yet under a witnessed checkpoint (1 witnessed, the last at #" in out.getvalue()


def test_the_witness_file_alone_still_catches_a_cut_when_the_keystore_copy_is_gone_too(witnessed):
    """An intruder in both databases, but not in the witness file."""
    from klinika.crypto.models import AuditWitness

    chain = str(witnessed.pk)
    AuditWitness.objects.using("keystore").filter(chain=chain).delete()
    intruder.cut_tail(chain, intruder.seq_of(chain, 7))
    intruder.delete_checkpoints(chain)
    report = verify(witnessed.pk)
    assert report.first_bad.kind == "truncated" and "(witness file)" in report.first_bad.detail


def test_a_forged_line_in_the_witness_file_is_reported(witnessed):
    from klinika.audit import witness

    line = witness.path().read_text().splitlines()[0].replace('"seq":', '"seq":1000000') + "\n"
    with witness.path().open("a") as f:
        f.write(line)
    report = verify(witnessed.pk)
    assert any(p.kind == "witness" and "invalid signature" in p.detail for p in report.problems)
