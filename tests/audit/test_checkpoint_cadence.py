"""Checkpoints are signed every KLINIKA_AUDIT_CHECKPOINT_EVERY events and by each worker round,
and witnessed outside the clinic database only once their transaction has committed."""
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from klinika.audit import witness
from klinika.audit.models import Action, AuditChainHead, AuditCheckpoint
from klinika.audit.services import checkpoint_pending, record
from klinika.audit.verify import verify
from klinika.crypto.models import AuditWitness
from klinika.tenancy.context import clinic_context


def _committed_records(clinic, count, capture):
    """`count` events, each in a transaction of its own that commits (its on-commit work runs)."""
    with clinic_context(clinic):
        for i in range(count):
            with capture(execute=True):
                record(Action.READ, object_type="patient", object_id=i)


def _witnessed_seqs(clinic):
    return sorted(AuditWitness.objects.using("keystore").filter(chain=str(clinic.pk)).values_list("seq", flat=True))


@pytest.mark.django_db
def test_a_checkpoint_is_signed_and_witnessed_every_n_events(clinic, settings, django_capture_on_commit_callbacks):
    settings.KLINIKA_AUDIT_CHECKPOINT_EVERY = 10
    _committed_records(clinic, 24, django_capture_on_commit_callbacks)  # + the clinic's creation event: 25

    with clinic_context(clinic):
        assert sorted(AuditCheckpoint.objects.values_list("seq", flat=True)) == [10, 20]
    assert _witnessed_seqs(clinic) == [10, 20]
    assert [line for line in witness.path().read_text().splitlines() if str(clinic.pk) in line][-1].count('"seq":20')
    report = verify(clinic.pk)
    assert report.ok, report.problems
    assert (report.events, report.witnessed, report.pending) == (25, 2, 5)


@pytest.mark.django_db
def test_a_rolled_back_operation_leaves_no_witness_behind(clinic, settings, django_capture_on_commit_callbacks):
    """A witness of a head that a rollback took back would later look like a cut chain."""
    settings.KLINIKA_AUDIT_CHECKPOINT_EVERY = 5
    with clinic_context(clinic), pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for i in range(8):
                record(Action.READ, object_type="patient", object_id=i)
            raise RuntimeError("the operation failed")
    assert _witnessed_seqs(clinic) == []
    _committed_records(clinic, 6, django_capture_on_commit_callbacks)
    assert _witnessed_seqs(clinic) == [5]
    assert verify(clinic.pk).ok


@pytest.mark.django_db
def test_checkpoint_pending_signs_only_the_chains_with_new_events(make_clinic, django_capture_on_commit_callbacks):
    busy, quiet = make_clinic(), make_clinic()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_pending()  # the clinics' creation events, and the vendor chain's
        with clinic_context(busy):
            for i in range(3):
                record(Action.READ, object_type="patient", object_id=i)
        signed = checkpoint_pending()
    assert [(cp.chain, cp.seq) for cp in signed] == [(str(busy.pk), 4)]
    assert verify(busy.pk).pending == 0 and verify(quiet.pk).pending == 0


# The worker commits and closes connections as in production: no test transaction around it.
@pytest.mark.django_db(transaction=True)
def test_a_worker_round_signs_a_checkpoint_when_events_are_pending(clinic, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with clinic_context(clinic):
        for i in range(7):
            record(Action.READ, object_type="patient", object_id=i)
    assert verify(clinic.pk).pending == 8

    call_command("worker", "--once", "--interval", "0", stdout=io.StringIO())

    with clinic_context(clinic):
        head = AuditChainHead.objects.get()
    # The round signs what was pending when it began; what its own tasks record afterwards (the
    # daily retention scan's event) waits for the next round.
    assert head.last_checkpoint_seq == 8
    assert _witnessed_seqs(clinic) == [8]
    report = verify(clinic.pk)
    assert report.ok and report.pending == head.last_seq - 8, report.problems
    assert verify(None).pending == 0  # the vendor chain too


@pytest.mark.django_db(transaction=True)  # the witness is written as in production: right after each commit
def test_an_unwritable_witness_sink_is_logged_and_leaves_the_chain_valid(make_clinic, settings, tmp_path, caplog):
    settings.KLINIKA_AUDIT_WITNESS = tmp_path  # a directory: no line can be appended to it
    clinic = make_clinic()
    with caplog.at_level("ERROR", logger="klinika.audit"):
        checkpoint_pending()
    assert f"audit chain {clinic.pk}: the checkpoint could not be signed or witnessed" in caplog.text
    report = verify(clinic.pk)
    assert report.ok, report.problems
    assert any("is not a readable file" in note for note in report.notes)
