"""klinika's own commands, run as a user runs them: exit codes, messages, and that a
refused command changes nothing."""
import re
import sqlite3
import uuid

import pytest

from tests.cli.support import klinika_env, read_back, run, snapshot


@pytest.fixture
def data_dir(seeded, tmp_path):
    return seeded.copy(tmp_path)


@pytest.fixture
def env(data_dir):
    return klinika_env(data_dir)


def assert_clear_error(result, *fragments, code=1):
    """A refusal: the exit code, the message on stderr, no traceback."""
    assert result.returncode == code, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in {result.stderr!r}"


def clinic_lines(env):
    result = run(["clinic", "list"], env, check=True)
    return {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines() if line.strip()}


def test_clinic_list_shows_the_demo_clinic(env):
    clinics = clinic_lines(env)
    assert set(clinics) == {"demo"}
    slug, clinic_id, status, name = clinics["demo"]
    uuid.UUID(clinic_id)
    assert status == "active [demo]" and name == "Przychodnia Demo"


def test_clinic_create_then_list(env):
    result = run(["clinic", "create", "Przychodnia X", "--slug", "x"], env, check=True)
    assert result.stdout.startswith("created clinic x (")
    clinics = clinic_lines(env)
    assert set(clinics) == {"demo", "x"}
    assert clinics["x"][2:] == ["active", "Przychodnia X"]
    # Creating it was audited on an intact chain.
    verify = run(["audit", "verify", "x"], env, check=True)
    assert verify.stdout.startswith("x: OK (")


def test_clinic_create_slug_defaults_from_the_name(env):
    from django.utils.text import slugify

    name = "Przychodnia Zdrówko Śródmieście"
    result = run(["clinic", "create", name], env, check=True)
    slug = slugify(name)
    assert slug == "przychodnia-zdrowko-srodmiescie"
    assert result.stdout.startswith(f"created clinic {slug} (")
    assert clinic_lines(env)[slug][3] == name


@pytest.mark.parametrize("slug", ["x", "demo"])
def test_duplicate_slug_is_refused_and_changes_nothing(env, data_dir, slug):
    if slug == "x":
        run(["clinic", "create", "Przychodnia X", "--slug", "x"], env, check=True)
    before = snapshot(data_dir)
    result = run(["clinic", "create", "Inna Przychodnia", "--slug", slug], env)
    assert_clear_error(result, f"A clinic with the slug '{slug}' already exists", "--slug")
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(data_dir) == before


def test_shred_without_yes_and_without_a_tty_refuses(env, data_dir):
    before = snapshot(data_dir)
    # stdin /dev/null, and stdin a pipe that even holds the right answer: neither is a tty.
    for stdin in (None, "demo\n"):
        result = run(["keys", "shred", "demo"], env, input=stdin)
        assert_clear_error(result, "--yes")
        # Not a key destroyed, not an audit event written: the same bytes everywhere.
        assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    "args",
    [
        ["keys", "rotate", "nosuch"],
        ["keys", "shred", "nosuch", "--yes"],
        ["keys", "erase-subject", "nosuch", str(uuid.uuid4()), "--reason", "test"],
        ["audit", "verify", "nosuch"],
        ["audit", "checkpoint", "nosuch"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_unknown_clinic_names_clinic_list(env, data_dir, args):
    before = snapshot(data_dir)
    result = run(args, env)
    assert_clear_error(result, "No clinic 'nosuch'", "`klinika clinic list`")
    assert snapshot(data_dir) == before


def test_audit_verify_on_an_intact_seeded_dir(env):
    result = run(["audit", "verify"], env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("demo: OK (") for line in lines), result.stdout
    assert any(line.startswith("vendor: OK (") for line in lines), result.stdout
    assert "BROKEN" not in result.stdout


def _counts(verify_output, label):
    """(events, checkpoints) of one chain from `klinika audit verify` output."""
    match = re.search(rf"^{label}: OK \((\d+) events, (\d+) checkpoints\)$", verify_output, re.MULTILINE)
    assert match, verify_output
    return int(match[1]), int(match[2])


def test_audit_checkpoint_then_verify(env):
    before = run(["audit", "verify"], env, check=True).stdout
    demo_events, demo_checkpoints = _counts(before, "demo")
    vendor_checkpoints = _counts(before, "vendor")[1]

    result = run(["audit", "checkpoint"], env, check=True)
    assert f"demo: checkpoint at event #{demo_events}" in result.stdout, result.stdout
    assert "vendor: checkpoint at event #" in result.stdout
    after = run(["audit", "verify"], env, check=True).stdout
    assert _counts(after, "demo") == (demo_events, demo_checkpoints + 1)
    assert _counts(after, "vendor")[1] == vendor_checkpoints + 1

    run(["audit", "checkpoint", "demo"], env, check=True)
    one = run(["audit", "verify", "demo"], env, check=True).stdout
    assert _counts(one, "demo") == (demo_events, demo_checkpoints + 2)


def test_audit_verify_reports_a_tampered_chain(env, data_dir):
    """The exit code is what a cron job checks: a changed event makes it 1."""
    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    changed = con.execute(
        "UPDATE audit_auditevent SET reason = 'edited afterwards' WHERE id = "
        "(SELECT id FROM audit_auditevent WHERE chain != 'vendor' ORDER BY seq LIMIT 1 OFFSET 3)").rowcount
    con.commit()
    con.close()
    assert changed == 1
    result = run(["audit", "verify"], env)
    assert_clear_error(result, "audit chain(s) failed verification")
    assert "demo: BROKEN" in result.stdout and "vendor: OK" in result.stdout


def _patient_ciphertexts(data_dir):
    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    try:
        return con.execute(
            "SELECT id, personal, pesel_index, last_name_index FROM patients_patient ORDER BY id").fetchall()
    finally:
        con.close()


def test_keys_rotate_rewrites_no_data_and_everything_stays_readable(env, data_dir, seeded):
    before = _patient_ciphertexts(data_dir)
    result = run(["keys", "rotate", "demo"], env, check=True)
    assert result.stdout.startswith("rotated keys of demo: KEK ") and "no data rewritten" in result.stdout
    assert _patient_ciphertexts(data_dir) == before
    assert read_back(env) == seeded.values
    assert "demo: OK" in run(["audit", "verify"], env, check=True).stdout


def test_demo_on_a_seeded_dir_changes_no_person(env, seeded):
    result = run(["demo", "--no-serve"], env, check=True)
    assert "demo clinic already present" in result.stdout
    assert read_back(env) == seeded.values


def test_demo_on_a_fresh_dir_leaves_both_databases_fully_migrated(tmp_path):
    """`klinika demo` records the migrations that are no-ops on the keystore as applied instead of
    running them: `migrate` then finds nothing left to do on either database, which is what
    `serve` checks before it starts."""
    env = klinika_env(tmp_path / "data")
    result = run(["demo", "--no-serve"], env, check=True)
    assert "demo clinic created: Przychodnia Demo (demo)" in result.stdout
    for alias in ("default", "keystore"):
        run(["migrate", "--database", alias, "--check"], env, check=True)
    con = sqlite3.connect(tmp_path / "data" / "keystore.sqlite3")
    try:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()
    assert {"crypto_keyencryptionkey", "crypto_datakey"} <= tables
    assert "demo: OK" in run(["audit", "verify"], env, check=True).stdout
