"""Settings for the test suite: a throwaway data directory and root key per run."""
import base64
import os
import tempfile

os.environ.setdefault("KLINIKA_DATA_DIR", tempfile.mkdtemp(prefix="klinika-test-"))
os.environ.setdefault("KLINIKA_ROOT_KEY", base64.b64encode(os.urandom(32)).decode())

from klinika.settings import *  # noqa: E402,F401,F403

# Argon2 stays (it is what runs in production), with the cheapest parameters.
PASSWORD_HASHERS = ["klinika.test_hashers.FastArgon2PasswordHasher"]
