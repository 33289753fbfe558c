"""Settings for benchmarks: klinika's settings plus the bench-only plaintext twin app.

klinika.settings reads the environment at import time, so everything is set here first.
bench/encrypted_page.py sets DATABASE_URL / KEYSTORE_DATABASE_URL (or removes them for
SQLite) before Django imports this module.
"""
import base64
import os
import tempfile

if not os.environ.get("KLINIKA_DATA_DIR"):  # encrypted_page.py sets (and removes) its own
    os.environ["KLINIKA_DATA_DIR"] = tempfile.mkdtemp(prefix="klinika-bench-")
os.environ.setdefault("KLINIKA_ROOT_KEY", base64.b64encode(os.urandom(32)).decode())
# A run lasts longer than the production TTL (300 s); "warm" must mean warm for the whole run.
os.environ.setdefault("KLINIKA_KEY_CACHE_SECONDS", "86400")

from klinika.settings import *  # noqa: E402,F401,F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.plainapp"]  # noqa: F405
DEBUG = False  # DEBUG would record every query and skew both sides
PASSWORD_HASHERS = ["klinika.test_hashers.FastArgon2PasswordHasher"]
