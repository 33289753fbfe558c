"""An authenticator's secret is in no database file (SQLite) and no pg_dump (PostgreSQL).

The real `klinika` command sets up a fresh install (on SQLite files, or on two scratch
PostgreSQL databases when the suite runs with DATABASE_URL pointing at PostgreSQL), creates
a clinic with its administrator, and enrols two authenticators (the administrator's, confirmed
with a code, and a vendor operator's). Then the raw bytes of every file of the data directory,
or a plain pg_dump of both databases, are searched for each secret as hex (either case),
base32 (with and without padding) and raw bytes. The logins, stored in plain text by design,
are searched the same way: finding them shows the scan reads the right data.
"""
import base64
import os
import secrets
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.cli.support import TIMEOUT, klinika_env, run
from tests.testdata.test_no_plaintext_at_rest_postgres import Server

ENROL = r'''
import time
from django_otp.oath import TOTP
from klinika.accounts import services
from klinika.accounts.models import User
from klinika.accounts.roles import Role

admin = User.objects.get(username="rest-admin")
device = services.enrolment_device(admin)
totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
totp.time = time.time()
assert services.verify_token(device, f"{totp.token():06d}")
operator = User.objects.create_user("rest-operator", "an-operator-password-1", role=Role.VENDOR_OPERATOR)
other = services.enrolment_device(operator)
print("SECRETS", device.key, other.key)
'''


def _postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in ("postgres", "postgresql", "pgsql") else None


@pytest.fixture
def install(tmp_path):
    """(environment for `klinika`, a function returning the bytes at rest)."""
    data_dir = tmp_path / "data"
    url = _postgres_url()
    if url is None:
        env = klinika_env(data_dir)
        yield env, lambda: {str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
        return
    server = Server(url)
    names = [f"klinika_totp_{os.getpid()}_{secrets.token_hex(3)}"]
    names.append(names[0] + "_keystore")
    for name in names:
        server.run("createdb", "--encoding=UTF8", "--template=template0", name)
    env = klinika_env(data_dir, DATABASE_URL=server.url(names[0]), KEYSTORE_DATABASE_URL=server.url(names[1]))

    def dumps():
        return {name: server.run("pg_dump", "--format=plain", "--no-owner", "--no-privileges", f"--dbname={name}")
                .stdout for name in names}

    try:
        yield env, dumps
    finally:
        for name in names:
            subprocess.run(["dropdb", "--if-exists", "--force", name], env=server.env(), capture_output=True,
                           timeout=TIMEOUT)


def _forms(hex_key: str) -> list[bytes]:
    raw = bytes.fromhex(hex_key)
    b32 = base64.b32encode(raw)
    return [hex_key.lower().encode(), hex_key.upper().encode(), b32, b32.rstrip(b"="), b32.lower(), raw]


def test_no_totp_secret_in_the_database_files_or_dump(install):
    env, at_rest = install
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], env, check=True)
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    run(["clinic", "create", "Przychodnia Spoczynek", "--admin", "admin@example.pl", "--admin-login", "rest-admin"],
        env, check=True)
    output = run(["shell", "-v", "0", "-c", ENROL], env, check=True).stdout
    keys = output.split("SECRETS ", 1)[1].split()
    assert len(keys) == 2 and all(len(key) == 40 for key in keys)

    files = at_rest()
    assert files and any(b"rest-admin" in data for data in files.values())  # the scan reads the logins' rows
    assert any(b"rest-operator" in data for data in files.values())
    found = [(where, key[:6] + "…", form[:6]) for key in keys for form in _forms(key)
             for where, data in files.items() if form in data]
    assert not found, f"TOTP secrets at rest: {found}"
