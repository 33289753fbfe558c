"""The real `klinika audit verify`, in a process of its own, against a data directory whose clinic
database an intruder rewrote: an old event changed, every link recomputed, every checkpoint deleted."""
import datetime
import hashlib
import json
import sqlite3
import uuid
from types import SimpleNamespace

from klinika.audit import chain as chainlib
from tests.cli.support import klinika_env, run

_EVENTS = """
from klinika.audit.models import Action
from klinika.audit.services import checkpoint, record
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

clinic = Clinic.objects.get(slug="rewritten")
with clinic_context(clinic):
    for i in range(12):
        record(Action.READ, object_type="patient", object_id=i)
checkpoint(clinic.pk)
with clinic_context(clinic):
    record(Action.READ, object_type="patient", object_id=12)
"""

_COLUMNS = ("chain", "seq", "at", "clinic_id", "actor_id", "actor_role", "action", "object_type", "object_id",
            "subject_ref", "reason", "outcome", "request_id")


def _event(row) -> SimpleNamespace:
    event = SimpleNamespace(**dict(zip(_COLUMNS, row, strict=True)))
    event.at = datetime.datetime.fromisoformat(event.at).replace(tzinfo=datetime.UTC)
    event.subject_ref = event.subject_ref and uuid.UUID(event.subject_ref)
    event.clinic_id = event.clinic_id and uuid.UUID(event.clinic_id)
    return event


def _rewrite_as_an_intruder(database):
    """Change event #3, relink the whole chain with SHA-256, reset the head, delete every checkpoint."""
    con = sqlite3.connect(database)
    with con:
        chain = con.execute("SELECT chain FROM audit_auditchainhead WHERE chain != 'vendor'").fetchone()[0]
        con.execute("UPDATE audit_auditevent SET reason = 'nothing happened' WHERE chain = ? AND seq = 3", [chain])
        prev = chainlib.GENESIS
        rows = con.execute(f"SELECT id, {', '.join(_COLUMNS)} FROM audit_auditevent WHERE chain = ? ORDER BY seq",
                           [chain]).fetchall()
        for pk, *row in rows:
            new = hashlib.sha256(bytes.fromhex(prev) + chainlib.canonical(_event(row))).hexdigest()
            con.execute("UPDATE audit_auditevent SET prev_hash = ?, hash = ?, link_version = 1 WHERE id = ?",
                        [prev, new, pk])
            prev = new
        con.execute("UPDATE audit_auditchainhead SET last_hash = ?, last_checkpoint_seq = 0 WHERE chain = ?",
                    [prev, chain])
        assert con.execute("DELETE FROM audit_auditcheckpoint WHERE chain = ?", [chain]).rowcount >= 1
    con.close()


def test_audit_verify_catches_a_chain_rewritten_in_the_clinic_database(tmp_path):
    data_dir = tmp_path / "var"
    env = klinika_env(data_dir)
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], env, check=True)
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    run(["clinic", "create", "Przychodnia Przepisana", "--slug", "rewritten"], env, check=True)
    run(["shell", "-v", "0", "-c", _EVENTS], env, check=True)
    before = run(["audit", "verify", "rewritten"], env, check=True).stdout
    assert "rewritten: OK (14 events, 1 checkpoints)" in before
    assert "1 event(s) not yet under a witnessed checkpoint (1 witnessed, the last at #13)" in before
    witnessed = (data_dir / "audit-witness.jsonl").read_text().splitlines()
    assert [json.loads(line)["seq"] for line in witnessed if '"chain":"vendor"' not in line] == [13]
    keystore = (data_dir / "keystore.sqlite3").read_bytes()

    _rewrite_as_an_intruder(data_dir / "klinika.sqlite3")

    result = run(["audit", "verify", "rewritten"], env)
    assert result.returncode == 1 and "1 audit chain(s) failed verification" in result.stderr
    assert "rewritten: BROKEN — first bad: event #1: altered: an unkeyed link" in result.stdout
    assert "event #13: altered: the chain up to here differs from the witnessed checkpoint" in result.stdout
    assert "was removed from the clinic database" in result.stdout
    assert "does not link" not in result.stdout and "jumps" not in result.stdout  # a consistent rewrite
    assert (data_dir / "keystore.sqlite3").read_bytes() == keystore
