"""A keystore that lacks the keys the clinic database refers to is refused at start, in one
line, like a missing or wrong root key: never accepted, with logins working and every data
page a 500 (issue 8, item 7).

"Empty, migrated": a keystore made by `klinika migrate --database keystore` with this
installation's own root key, copied over the real one. Its root key check passes; only the
missing clinic keys give it away.
"""
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.cli.support import free_port, klinika_env, run, snapshot

COMMANDS = {
    "serve": lambda: ["serve", "--port", str(free_port())],
    "worker": lambda: ["worker", "--once", "--interval", "0"],
    "shell": lambda: ["shell", "-c", "print('started')"],
    "clinic list": lambda: ["clinic", "list"],
}
EXPECTED = ["Keystore does not match the clinic database", "1 of 1 clinics (demo)", "keystore database",
            "Restore the keystore that belongs to this clinic database", "KEYSTORE_DATABASE_URL"]


def replace_keystore_with_an_empty_one(data_dir, tmp_path):
    fresh = tmp_path / "fresh"
    env = klinika_env(fresh, KLINIKA_ROOT_KEY_FILE=str(data_dir / "secrets" / "root.key"))
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    for stale in data_dir.glob("keystore.sqlite3*"):
        stale.unlink()
    shutil.copy2(fresh / "keystore.sqlite3", data_dir / "keystore.sqlite3")


def fingerprints(data_dir):
    con = sqlite3.connect(data_dir / "keystore.sqlite3")
    try:
        return con.execute("SELECT fingerprint FROM crypto_rootkeycheck").fetchall()
    finally:
        con.close()


def assert_one_line_refusal(result, where):
    assert result.returncode != 0, f"{where} exited 0:\n{result.stdout}"
    assert "Traceback" not in result.stderr + result.stdout, f"{where}:\n{result.stderr}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"{where}: expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("klinika: "), lines[0]
    for fragment in EXPECTED:
        assert fragment in lines[0], f"{where}: {fragment!r} not in {lines[0]!r}"
    assert result.stdout == "", f"{where} printed:\n{result.stdout}"


def test_an_empty_migrated_keystore_stops_serve_worker_and_shell(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    replace_keystore_with_an_empty_one(data_dir, tmp_path)
    assert len(fingerprints(data_dir)) == 1  # the root key check alone would pass
    env = klinika_env(data_dir)
    before = snapshot(data_dir)
    for name, args in COMMANDS.items():
        assert_one_line_refusal(run(args(), env, timeout=120), f"`klinika {name}`")
    assert snapshot(data_dir) == before


def test_the_wsgi_entry_refuses_too(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    replace_keystore_with_an_empty_one(data_dir, tmp_path)
    result = subprocess.run([sys.executable, "-c", "import klinika.wsgi"], env=klinika_env(data_dir),
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert_one_line_refusal(result, "import klinika.wsgi")


@pytest.mark.parametrize("root_key", ["present", "missing"])
def test_an_empty_keystore_without_its_root_key_record_gets_none(root_key, seeded, tmp_path):
    """No fingerprint recorded and no root key made for an empty keystore while clinics exist:
    that is not a first run."""
    data_dir = seeded.copy(tmp_path)
    replace_keystore_with_an_empty_one(data_dir, tmp_path)
    con = sqlite3.connect(data_dir / "keystore.sqlite3")
    con.execute("DELETE FROM crypto_rootkeycheck")
    con.commit()
    con.close()
    if root_key == "missing":
        (data_dir / "secrets" / "root.key").unlink()
    assert_one_line_refusal(run(["shell", "-c", "print('started')"], klinika_env(data_dir)), "`klinika shell`")
    assert fingerprints(data_dir) == []
    assert (data_dir / "secrets" / "root.key").exists() == (root_key == "present")


def test_the_right_keystore_starts(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    result = run(["shell", "-c", "print('started')"], klinika_env(data_dir), check=True)
    assert result.stdout.strip().endswith("started")
