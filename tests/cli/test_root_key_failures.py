"""A missing, unreadable or wrong root key stops every command, says why and how to fix
it in one line, and changes nothing (DESIGN.md, Keys: "A missing or wrong root key stops
the process with a clear message; it never falls back to plaintext").

Tests run as root, who can read a chmod 000 file; "unreadable" is therefore made the ways
that hold for root too: a directory where the file should be, content that is not a key,
and a mode open to other users (refused on purpose, whoever runs klinika).
"""
import base64
import os
import stat

import pytest

from tests.cli.support import free_port, klinika_env, new_root_key, personal_values, run, snapshot

COMMANDS = {
    "serve": lambda: ["serve", "--port", str(free_port())],
    "audit verify": lambda: ["audit", "verify"],
    "clinic list": lambda: ["clinic", "list"],
    "keys rotate": lambda: ["keys", "rotate", "demo"],
}


def _key(data_dir):
    return data_dir / "secrets" / "root.key"


def _write(path, content: bytes, mode=0o600):
    path.write_bytes(content)
    os.chmod(path, mode)


def missing(data_dir):
    _key(data_dir).unlink()
    return {}


def directory(data_dir):
    _key(data_dir).unlink()
    _key(data_dir).mkdir(mode=0o755)
    return {}


def not_base64(data_dir):
    _write(_key(data_dir), b"this is not a key\n")
    return {}


def wrong_length(data_dir):
    _write(_key(data_dir), base64.b64encode(os.urandom(16)) + b"\n")
    return {}


def binary(data_dir):
    _write(_key(data_dir), bytes(range(256)))
    return {}


def empty(data_dir):
    _write(_key(data_dir), b"")
    return {}


def group_readable(data_dir):
    os.chmod(_key(data_dir), 0o640)
    return {}


def world_readable(data_dir):
    os.chmod(_key(data_dir), 0o604)
    return {}


def other_key_in_env(data_dir):
    return {"KLINIKA_ROOT_KEY": new_root_key()}


def malformed_env(data_dir):
    return {"KLINIKA_ROOT_KEY": "not-a-key"}


def other_key_in_file(data_dir):
    _write(_key(data_dir), new_root_key().encode() + b"\n")
    return {}


def key_file_moved(data_dir):
    """KLINIKA_ROOT_KEY_FILE names a file that is not there: no new key may be made there."""
    return {"KLINIKA_ROOT_KEY_FILE": str(data_dir / "elsewhere" / "root.key")}


# case -> (break it, what the message must say: the cause, then the fix)
CASES = {
    # (a) no key
    "missing": (missing, ["Root key missing", "root.key does not exist", "Restore the key file", "KLINIKA_ROOT_KEY"]),
    # (b) a key that cannot be used
    "directory": (directory, ["Root key unreadable", "is not a file", "key backup"]),
    "not base64": (not_base64, ["Root key unreadable", "does not hold a key", "restore it from your key backup"]),
    "wrong length": (wrong_length, ["Root key unreadable", "does not hold a key", "restore it from your key backup"]),
    "group readable": (group_readable, ["open to other users", "0o640", "chmod 600"]),
    # (c) a valid key, but not this keystore's
    "other key in env": (other_key_in_env, ["Wrong root key", "environment variable KLINIKA_ROOT_KEY",
                                            "Restore the original key"]),
    "other key in file": (other_key_in_file, ["Wrong root key", "root.key", "Restore the original key"]),
}
# More ways to get (a) and (b): each goes down a path tested above with all four commands,
# so one command (the one that would write) is enough to show message and refusal.
VARIANTS = {
    "binary": (binary, ["Root key unreadable", "does not hold a key", "restore it from your key backup"]),
    "empty": (empty, ["Root key unreadable", "does not hold a key", "restore it from your key backup"]),
    "world readable": (world_readable, ["open to other users", "0o604", "chmod 600"]),
    "malformed env": (malformed_env, ["Root key unreadable", "environment variable KLINIKA_ROOT_KEY",
                                      "does not hold a key", "key backup"]),
    "key file moved": (key_file_moved, ["Root key missing", "elsewhere/root.key does not exist",
                                        "Restore the key file"]),
}


def assert_refused(seeded, tmp_path, case, breaker, expected, commands):
    data_dir = seeded.copy(tmp_path)
    env = klinika_env(data_dir, **breaker(data_dir))
    before = snapshot(data_dir)
    people = [value for _, value in personal_values(seeded.values)]

    for name in commands:
        result = run(COMMANDS[name](), env, timeout=120)
        where = f"`klinika {name}` with the root key {case}"
        assert result.returncode != 0, f"{where} exited 0:\n{result.stdout}"
        assert "Traceback" not in result.stderr + result.stdout, f"{where}:\n{result.stderr}"
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, f"{where}: expected one line on stderr, got:\n{result.stderr}"
        message = lines[0]
        assert message.startswith("klinika: "), message
        for fragment in expected:
            assert fragment in message, f"{where}: {fragment!r} not in {message!r}"
        assert result.stdout == "", f"{where} printed:\n{result.stdout}"
        assert not [v for v in people if v in result.stderr], message

    # Nothing changed: every file has the same bytes (so no new plaintext either), no file
    # appeared (no new key made, no static files collected, no log), none vanished.
    assert snapshot(data_dir) == before
    return data_dir


@pytest.mark.parametrize("case", CASES)
def test_root_key_problem_stops_every_command_and_changes_nothing(case, seeded, tmp_path):
    breaker, expected = CASES[case]
    assert_refused(seeded, tmp_path, case, breaker, expected, COMMANDS)


@pytest.mark.parametrize("case", VARIANTS)
def test_more_root_key_problems_stop_key_rotation(case, seeded, tmp_path):
    breaker, expected = VARIANTS[case]
    data_dir = assert_refused(seeded, tmp_path, case, breaker, expected, ["keys rotate"])
    if case == "key file moved":
        assert not (data_dir / "elsewhere").exists()  # no new key made where none was


def test_unreachable_keystore_makes_no_key(seeded, tmp_path):
    """A keystore that cannot be opened is not a first run: no new root key is made (here
    the key file is gone too), and the message names the keystore, not the key."""

    def breaker(data_dir):
        _key(data_dir).unlink()
        return {"KEYSTORE_DATABASE_URL": f"sqlite:///{data_dir / 'no-such-dir' / 'keystore.sqlite3'}"}

    data_dir = assert_refused(seeded, tmp_path, "with an unreachable keystore", breaker,
                              ["Keystore unreachable", "keystore database", "KEYSTORE_DATABASE_URL"],
                              ["clinic list", "keys rotate"])
    assert not _key(data_dir).exists()


def _forget_fingerprint(data_dir):
    import sqlite3

    con = sqlite3.connect(data_dir / "keystore.sqlite3")
    con.execute("DELETE FROM crypto_rootkeycheck")
    con.commit()
    con.close()


@pytest.mark.parametrize("case", ["missing", "other key in file"])
def test_keystore_with_keys_but_no_fingerprint_gets_no_new_key(case, seeded, tmp_path):
    """Keys exist, the record of their root key does not (an old or partly restored
    keystore): a missing key is still missing, and another key is still wrong."""

    def breaker(data_dir):
        _forget_fingerprint(data_dir)
        return CASES[case][0](data_dir)

    expected = {"missing": ["Root key missing", "Restore the key file"],
                "other key in file": ["Wrong root key", "does not open with the key from the key file"]}[case]
    data_dir = assert_refused(seeded, tmp_path, case, breaker, expected, ["clinic list", "keys rotate"])
    assert _recorded_fingerprints(data_dir) == []


def test_keystore_with_keys_but_no_fingerprint_records_the_right_key(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    _forget_fingerprint(data_dir)
    assert "demo" in run(["clinic", "list"], klinika_env(data_dir), check=True).stdout
    assert len(_recorded_fingerprints(data_dir)) == 1


def test_the_named_fix_works(seeded, tmp_path):
    """`chmod 600`, as the message says, and the same commands work again."""
    data_dir = seeded.copy(tmp_path)
    os.chmod(_key(data_dir), 0o640)
    env = klinika_env(data_dir)
    assert run(["clinic", "list"], env).returncode != 0
    os.chmod(_key(data_dir), 0o600)
    result = run(["audit", "verify"], env, check=True)
    assert "demo: OK" in result.stdout


def test_the_right_key_in_the_environment_works_without_the_file(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    key = _key(data_dir).read_text().strip()
    _key(data_dir).unlink()
    result = run(["clinic", "list"], klinika_env(data_dir, KLINIKA_ROOT_KEY=key), check=True)
    assert "demo" in result.stdout
    assert not _key(data_dir).exists()  # a key in the environment makes no file


def test_empty_root_key_variable_counts_as_unset(seeded, tmp_path):
    """`KLINIKA_ROOT_KEY=` (empty, e.g. from an env file) means: use the key file."""
    data_dir = seeded.copy(tmp_path)
    result = run(["clinic", "list"], klinika_env(data_dir, KLINIKA_ROOT_KEY=""), check=True)
    assert "demo" in result.stdout


# ------------------------------------------------------------------------ first run


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _recorded_fingerprints(data_dir):
    import sqlite3

    con = sqlite3.connect(data_dir / "keystore.sqlite3")
    try:
        return con.execute("SELECT fingerprint FROM crypto_rootkeycheck").fetchall()
    finally:
        con.close()


def test_first_run_creates_the_root_key_0600_in_a_0700_directory(tmp_path):
    data_dir = tmp_path / "data"
    env = klinika_env(data_dir)
    # umask 0: the modes must come from klinika, not from a careful shell.
    run(["check"], env, umask=0, check=True)
    key = _key(data_dir)
    assert key.is_file()
    assert _mode(key) == 0o600
    assert _mode(key.parent) == 0o700
    assert len(base64.b64decode(key.read_text().strip(), validate=True)) == 32
    # The next run keeps the key, and migrating the keystore records which key it belongs
    # to (a fingerprint, never the key: the key's text is not in the keystore's bytes).
    first = key.read_bytes()
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    assert key.read_bytes() == first
    assert len(_recorded_fingerprints(data_dir)) == 1
    keystore = (data_dir / "keystore.sqlite3").read_bytes()
    assert first.strip() not in keystore and base64.b64decode(first) not in keystore


def test_root_key_file_variable_moves_the_key(tmp_path):
    data_dir = tmp_path / "data"
    elsewhere = tmp_path / "keys" / "klinika" / "root.key"
    env = klinika_env(data_dir, KLINIKA_ROOT_KEY_FILE=str(elsewhere))
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, umask=0, check=True)
    assert elsewhere.is_file() and _mode(elsewhere) == 0o600 and _mode(elsewhere.parent) == 0o700
    # secrets/ holds only the installation's SECRET_KEY (sessions), no root key
    assert [p.name for p in (data_dir / "secrets").iterdir()] == ["secret_key"]
    assert len(_recorded_fingerprints(data_dir)) == 1
    # Without the variable klinika looks in the data dir, finds no key, and refuses: the
    # keystore belongs to a key already, a new one made there would read nothing.
    result = run(["clinic", "list"], klinika_env(data_dir))
    assert result.returncode != 0 and "Root key missing" in result.stderr, result.stderr
    assert not (data_dir / "secrets" / "root.key").exists()
    assert "Traceback" not in result.stderr


def test_root_key_file_in_an_existing_directory_leaves_its_mode(tmp_path):
    """A key file put into a directory that already exists (/etc/klinika, a home directory)
    is made 0600, and the directory keeps its own mode."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    env = klinika_env(tmp_path / "data", KLINIKA_ROOT_KEY_FILE=str(shared / "klinika.key"))
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, umask=0, check=True)
    assert _mode(shared / "klinika.key") == 0o600
    assert _mode(shared) == 0o755


def test_root_key_in_the_environment_makes_no_file(tmp_path):
    data_dir = tmp_path / "data"
    env = klinika_env(data_dir, KLINIKA_ROOT_KEY=new_root_key())
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    assert [p.name for p in (data_dir / "secrets").iterdir()] == ["secret_key"]  # SECRET_KEY only
