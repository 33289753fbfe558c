"""Killing `klinika clinic terminate` at each step (right after the step's effect, before its state is
recorded) and running it again ends in the same state as a run that was never interrupted."""
import json

import pytest

from klinika.audit.models import AuditEvent
from klinika.crypto.keystore import root_generations
from klinika.crypto.models import DataKey, KeyEncryptionKey, KeyState
from klinika.lifecycle.termination import certificate, services, steps
from klinika.lifecycle.termination.services import removal
from klinika.lifecycle.termination.services.certificates import certificate_paths
from klinika.tenancy.context import clinic_context, cross_clinic
from klinika.tenancy.models import Clinic

from .conftest import database_env, klinika, make_admin, write_export

pytestmark = pytest.mark.django_db(transaction=True)

# every crash point, in the order a run reaches them
CRASHES = [steps.NOTICE, steps.DELIVERED, steps.ACKNOWLEDGED, steps.GRACE, steps.SHRED, steps.ROTATE_ROOT,
           steps.ROWS_CHUNK, steps.ROWS, steps.CERTIFICATE]


def final_state(clinic) -> dict:
    termination = services.termination_of(clinic)
    with cross_clinic("tests: the termination's events on the vendor chain"):
        events = [" ".join(reason.split()[1:4]) for reason in AuditEvent.objects.filter(
            chain="vendor", object_type="clinic-termination", object_id=str(clinic.pk)).order_by("seq")
            .values_list("reason", flat=True)]
    with clinic_context(clinic):
        left = {table.name: removal.rows_of(table, clinic.pk).count() for table in removal.plan()}
    verified = certificate.verify(bytes(termination.certificate))
    document = verified.document
    paths = certificate_paths(termination, clinic)
    return {
        "steps": [steps.done(termination, step) for step in steps.ORDER],
        "status": Clinic.objects.get(pk=clinic.pk).status,
        "live keys": KeyEncryptionKey.objects.using("keystore").filter(clinic_id=clinic.pk).exclude(
            state=KeyState.DESTROYED).count() + DataKey.objects.using("keystore").filter(clinic_id=clinic.pk)
        .exclude(state=KeyState.DESTROYED).count(),
        "keys destroyed": (len(termination.destroyed_keys["key_encryption_keys"]),
                           {p: len(ids) for p, ids in termination.destroyed_keys["clinic_keys"].items()},
                           termination.destroyed_keys["subject_keys"]["count"]),
        "rows removed": termination.rows_removed,
        "rows left": left,
        "events": events,
        "certificate verifies": verified.ok,
        "certificate rows": document["rows_removed"],
        "certificate kept": document["kept"]["tables"],
        "files verify": [certificate.verify(paths[kind].read_bytes()).ok for kind in ("json", "pdf")],
        "temporary files": sorted(p.name for p in paths["json"].parent.glob("*.part")),
    }


def test_killed_at_every_step_then_rerun_ends_as_an_uninterrupted_run(synth_clinic, tmp_path, settings,
                                                                       purge_signed_versions):
    steady, killed = synth_clinic("bez-przerw", seed=3), synth_clinic("z-przerwami", seed=3)
    env = database_env(tmp_path / "var", KLINIKA_TERMINATION_GRACE_DAYS=0)
    settings.KLINIKA_CERTIFICATE_DIR = tmp_path / "var" / "certificates"  # where the subprocesses write them

    def command(clinic):
        digest = write_export(clinic, tmp_path / f"export-{clinic.slug}")
        admin = make_admin(clinic)
        return ["clinic", "terminate", clinic.slug, "--reason", "contract ended", "--by", "operator-1",
                "--delivered", str(tmp_path / f"export-{clinic.slug}"), "--acknowledged", digest,
                "--admin", admin.username]

    steady_run, killed_run = command(steady), command(killed)
    generations_before = len(root_generations())
    result = klinika(env, *steady_run)
    assert result.returncode == 0, result.stderr

    for point in CRASHES:
        result = klinika({**env, steps.CRASH_ENV: point}, *killed_run)
        assert result.returncode == 86, (point, result.stdout, result.stderr)
    result = klinika(env, *killed_run)
    assert result.returncode == 0, result.stderr
    assert "done: deletion certificate issued" in result.stdout

    expected, got = final_state(steady), final_state(killed)
    assert got == expected
    assert set(got["rows left"].values()) == {0} and got["live keys"] == 0
    assert [event.split(":")[0] for event in got["events"]] == [
        "notice given by", "export delivered by", "export acknowledged by", "grace period over", "crypto-shred",
        "root key rotated", "rows removed", "deletion certificate issued"]
    # one root rotation per termination: the killed run did not rotate twice
    assert len(root_generations()) == generations_before + 2
    assert json.loads(bytes(services.termination_of(killed).certificate))["root_key_generation"]["number"] == \
        services.termination_of(steady).root_generation + 1
