"""CI fails if a tracked file is a key, a database file or holds a secret (see tests/repo/tracked.py)."""
import subprocess
from pathlib import Path

from tests.repo.tracked import problems

REPO = Path(__file__).resolve().parents[2]


def test_no_key_database_or_secret_is_tracked():
    found = problems(REPO)
    assert found == [], "\n".join(found)


def test_gitignore_keeps_state_and_secrets_out_wherever_a_command_ran():
    paths = ["var/klinika.sqlite3", "src/klinika/var/secrets/root.key", "tests/x/var/anything",
             "backup.sqlite3", "var2/keystore.sqlite3-wal", "notes/old.sqlite3-journal", "deploy/tls.key",
             "outbox/sms.jsonl", "src/klinika/outbox/email/1.eml"]
    result = subprocess.run(["git", "-C", str(REPO), "check-ignore", "--no-index", *paths],
                            capture_output=True, text=True, timeout=60)
    assert sorted(result.stdout.split()) == sorted(paths), result.stderr
