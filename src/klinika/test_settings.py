"""Settings for the test suite: a throwaway data directory and root key per run."""
import base64
import os
import tempfile

os.environ.setdefault("KLINIKA_DATA_DIR", tempfile.mkdtemp(prefix="klinika-test-"))
os.environ.setdefault("KLINIKA_ROOT_KEY", base64.b64encode(os.urandom(32)).decode())

from klinika.settings import *  # noqa: E402,F401,F403

# Argon2 stays (it is what runs in production), with the cheapest parameters.
PASSWORD_HASHERS = ["klinika.test_hashers.FastArgon2PasswordHasher"]

# Parallel runs against one PostgreSQL server (several developers, helpers) need their own
# test databases: KLINIKA_TEST_DB_SUFFIX=alice gives test_klinika_alice.
if os.environ.get("KLINIKA_TEST_DB_SUFFIX"):
    for _alias, _db in DATABASES.items():  # noqa: F405
        if _db["ENGINE"].endswith("postgresql"):
            _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.environ['KLINIKA_TEST_DB_SUFFIX']}"}

# SQLite test databases are files, not shared-cache memory: like production (WAL, busy
# timeout), so tests with parallel writers behave as a real deployment would.
for _alias, _db in DATABASES.items():  # noqa: F405
    if _db["ENGINE"].endswith("sqlite3"):
        _db["TEST"] = {"NAME": os.path.join(os.environ["KLINIKA_DATA_DIR"], f"test-{_alias}.sqlite3")}

# --- notify --- Tasks run at once, inside the test (no worker process).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Tests use the development message backends explicitly (the default is "none": nothing is
# sent); pytest-django swaps EMAIL_BACKEND for its in-memory one.
KLINIKA_ENV = "test"
KLINIKA_SMS_BACKEND = "file"
EMAIL_BACKEND = "klinika.notify.mail.FileEmailBackend"
