"""The check CI runs (tests/repo/tracked.py) fails on a committed key, database or secret.

Each case is a throw-away git repository: a clean commit (with its detect-secrets baseline,
made as the project's is) passes, then one planted commit makes the same check fail.
"""
import base64
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.repo.tracked import BASELINE, problems

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args):
    subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, timeout=60)


def commit(repo: Path, files: dict[str, bytes], message: str):
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(content)
    git(repo, "add", "--all")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def clean_template(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("template") / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, {"README.md": b"# a project\n", "app/settings.py": b'DEBUG = False\nNAME = "clinic"\n'}, "clean")
    scan = subprocess.run([sys.executable, "-m", "detect_secrets", "scan"], cwd=repo, capture_output=True,
                          timeout=120, check=True)
    commit(repo, {BASELINE: scan.stdout}, "baseline from the clean tree")
    return repo


@pytest.fixture
def clean_repo(clean_template, tmp_path) -> Path:
    return Path(shutil.copytree(clean_template, tmp_path / "repo", symlinks=True))


def test_a_clean_repository_passes(clean_repo):
    assert problems(clean_repo) == []


def sqlite_file(tmp_path) -> bytes:
    path = tmp_path / "made.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE patient (pesel TEXT)")
    return path.read_bytes()


def private_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def root_key() -> bytes:
    return base64.b64encode(os.urandom(32)) + b"\n"


PLANTED = {
    # what klinika itself writes, where a command run inside the package would put it
    "root key file": lambda tmp: ({"src/pkg/var/secrets/root.key": root_key()}, "root.key"),
    "keystore database": lambda tmp: ({"src/pkg/var/keystore.sqlite3": sqlite_file(tmp)}, "keystore.sqlite3"),
    "database under another name": lambda tmp: ({"docs/sample.bin": sqlite_file(tmp)}, "an SQLite database"),
    "SQLite write-ahead log": lambda tmp: ({"data/klinika.sqlite3-wal": b"\x37\x7f\x06\x82"}, "klinika.sqlite3-wal"),
    "root key in an env file": lambda tmp: ({"deploy/klinika.conf": b"KLINIKA_ROOT_KEY=" + root_key()},
                                            "32-byte key"),
    "PEM private key": lambda tmp: ({"deploy/tls.txt": private_key_pem()}, "PEM private key"),
    # a secret in general, which only detect-secrets knows (and the token test below)
    "password in a URL": lambda tmp: (
        {"app/db.py": b'URL = "postgres://clinic:' + os.urandom(12).hex().encode() + b'@db.internal/clinic"\n'},
        "Basic Auth Credentials"),
}


@pytest.mark.parametrize("case", PLANTED)
def test_a_planted_commit_fails_the_check(clean_repo, tmp_path, case):
    files, named = PLANTED[case](tmp_path)
    commit(clean_repo, files, f"plant a {case}")
    found = "\n".join(problems(clean_repo))
    assert named in found, found


def test_a_high_entropy_token_is_caught_by_detect_secrets(clean_repo):
    # 40 base64 characters: not a 32-byte key, so klinika's own rules do not see it
    commit(clean_repo, {"app/gateway.py": b'SMSAPI_TOKEN = "' + base64.b64encode(os.urandom(30)) + b'"\n'}, "token")
    found = problems(clean_repo)
    assert len(found) == 1 and found[0].startswith("detect-secrets-hook found secrets") and (
        "Base64 High Entropy String" in found[0]), found


def test_removing_the_planted_file_makes_the_check_pass_again(clean_repo, tmp_path):
    commit(clean_repo, {"var/secrets/root.key": root_key()}, "oops")
    assert problems(clean_repo)
    git(clean_repo, "rm", "-q", "-r", "var")
    git(clean_repo, "commit", "-q", "-m", "remove it")
    assert problems(clean_repo) == []


def test_a_reviewed_test_vector_may_be_marked_like_detect_secrets_wants(clean_repo):
    vector = base64.b64encode(bytes(range(32)))
    commit(clean_repo, {"tests/vectors.py": b'KEY = "' + vector + b'"  # pragma: allowlist secret\n'}, "vector")
    assert problems(clean_repo) == []
    commit(clean_repo, {"tests/vectors.py": b'KEY = "' + vector + b'"\n'}, "unmarked")
    assert "tests/vectors.py:1: holds a 32-byte key in base64" in problems(clean_repo)
