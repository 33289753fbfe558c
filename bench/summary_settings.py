"""Settings for bench/patient_summary.py: klinika's settings plus the plaintext twins of the record tables.

klinika.settings reads the environment at import time; bench/patient_summary.py sets it first.
"""
import base64
import os
import tempfile

os.environ.setdefault("KLINIKA_DATA_DIR", tempfile.mkdtemp(prefix="klinika-bench-summary-"))
os.environ.setdefault("KLINIKA_ROOT_KEY", base64.b64encode(os.urandom(32)).decode())
# A run lasts longer than the production key-cache TTL; "warm" must mean warm for the whole run.
os.environ.setdefault("KLINIKA_KEY_CACHE_SECONDS", "86400")

from klinika.settings import *  # noqa: E402,F401,F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.plainrecords"]  # noqa: F405
DEBUG = False  # DEBUG would record every query and skew both sides
PASSWORD_HASHERS = ["klinika.test_hashers.FastArgon2PasswordHasher"]
