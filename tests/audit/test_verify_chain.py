import pytest
from django.db import connection

from klinika.audit.models import AuditChainHead, AuditEvent
from klinika.audit.services import checkpoint
from klinika.audit.verify import verify
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def _seq_of(clinic, object_id):
    with clinic_context(clinic):
        return AuditEvent.objects.get(object_id=str(object_id)).seq


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_chain_verifies(chain):
    report = verify(chain.pk)
    assert report.ok, report.problems
    assert report.events >= 20 and report.checkpoints == 1


def test_an_altered_event_is_found_and_named(chain):
    seq = _seq_of(chain, 5)
    _raw("UPDATE audit_auditevent SET object_id = '999' WHERE chain = %s AND seq = %s", [str(chain.pk), seq])
    report = verify(chain.pk)
    assert not report.ok
    assert report.first_bad.seq == seq and report.first_bad.kind == "altered"


def test_an_altered_actor_is_found(chain):
    seq = _seq_of(chain, 15)
    _raw("UPDATE audit_auditevent SET actor_id = 42 WHERE chain = %s AND seq = %s", [str(chain.pk), seq])
    assert verify(chain.pk).first_bad.seq == seq


def test_a_deleted_event_is_found_and_named(chain):
    seq = _seq_of(chain, 12)
    _raw("DELETE FROM audit_auditevent WHERE chain = %s AND seq = %s", [str(chain.pk), seq])
    report = verify(chain.pk)
    assert report.first_bad.seq == seq and report.first_bad.kind == "missing"


def test_a_deleted_event_with_renumbered_successors_is_found(chain):
    """An attacker who closes the gap by renumbering still breaks the links."""
    seq = _seq_of(chain, 12)
    _raw("DELETE FROM audit_auditevent WHERE chain = %s AND seq = %s", [str(chain.pk), seq])
    _raw("UPDATE audit_auditevent SET seq = seq - 1 WHERE chain = %s AND seq > %s", [str(chain.pk), seq])
    report = verify(chain.pk)
    assert report.first_bad.seq == seq


def test_a_cut_tail_is_found(chain):
    last = _seq_of(chain, 19)
    _raw("DELETE FROM audit_auditevent WHERE chain = %s AND seq >= %s", [str(chain.pk), last - 3])
    report = verify(chain.pk)
    assert report.first_bad.seq == last - 3 and report.first_bad.kind == "truncated"


def test_a_cut_tail_with_a_rewritten_head_is_caught_by_the_signed_checkpoint(chain):
    with clinic_context(chain):
        checkpoint(chain.pk)
    last = _seq_of(chain, 19)
    _raw("DELETE FROM audit_auditevent WHERE chain = %s AND seq >= %s", [str(chain.pk), last - 3])
    with clinic_context(chain):
        kept = AuditEvent.objects.get(seq=last - 4)
    _raw("UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s WHERE chain = %s",
         [kept.seq, kept.hash, str(chain.pk)])
    report = verify(chain.pk)
    assert report.first_bad.seq == last - 3 and report.first_bad.kind == "truncated"


def test_a_forged_checkpoint_signature_is_found(chain):
    _raw("UPDATE audit_auditcheckpoint SET head_hash = %s WHERE chain = %s", ["0" * 64, str(chain.pk)])
    report = verify(chain.pk)
    assert any(p.kind == "checkpoint" for p in report.problems)


def test_the_first_bad_event_is_the_earliest_problem(chain):
    early, late = _seq_of(chain, 3), _seq_of(chain, 17)
    _raw("UPDATE audit_auditevent SET reason = 'x' WHERE chain = %s AND seq IN (%s, %s)", [str(chain.pk), early, late])
    report = verify(chain.pk)
    assert report.first_bad.seq == early
    assert {p.seq for p in report.problems} >= {early, late}


def test_chains_of_two_clinics_are_independent(chain, make_clinic):
    other = make_clinic()
    seq = _seq_of(chain, 5)
    _raw("UPDATE audit_auditevent SET object_id = '999' WHERE chain = %s AND seq = %s", [str(chain.pk), seq])
    assert verify(other.pk).ok
    with clinic_context(other):
        assert AuditChainHead.objects.count() == 1
