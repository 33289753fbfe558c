"""Every writer of a clinic queues for its chain head, whose lock lasts until COMMIT: an append sends
as little as it can while holding it (no savepoint of its own; on PostgreSQL the events and the new
head in one statement), and a bulk append too large for one statement still links every event."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from klinika.audit.models import Action, AuditChainHead, AuditEvent
from klinika.audit.services import ONE_STATEMENT_MAX, record, record_many
from klinika.audit.verify import verify

pytestmark = pytest.mark.django_db


def test_after_locking_the_head_an_append_sends_one_statement(in_clinic):
    record(Action.READ, object_type="patient", object_id=0)  # the chain, its head and key exist
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        record(Action.READ, object_type="patient", object_id=1)
        record(Action.READ, object_type="patient", object_id=2)
    statements = [q["sql"] for q in captured]
    assert not any("SAVEPOINT" in s for s in statements), statements
    # the head's SELECT (… FOR UPDATE on PostgreSQL; SQLite locks the whole database for the write)
    locks = [i for i, s in enumerate(statements) if s.startswith("SELECT") and "audit_auditchainhead" in s]
    assert len(locks) == 2 and ("FOR UPDATE" in statements[locks[1]]) == (connection.vendor == "postgresql")
    after_lock = statements[locks[1] + 1:]
    assert len(after_lock) == (1 if connection.vendor == "postgresql" else 2), after_lock
    head = AuditChainHead.objects.get()
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.last_seq, head.last_hash) == (last.seq, last.hash) and last.object_id == "2"
    assert verify(in_clinic.pk).ok


def test_a_bulk_append_larger_than_one_statement_links_every_event(in_clinic):
    count = ONE_STATEMENT_MAX + 50
    record_many(Action.CREATE, [("patient", i, None) for i in range(count)])
    record(Action.READ, object_type="patient", object_id="after")
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= count + 1
    report = verify(in_clinic.pk)
    assert report.ok, report.problems
