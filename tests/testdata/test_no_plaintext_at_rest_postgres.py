"""No personal value of the demo clinic is readable in a pg_dump of klinika's databases.

Runs in the PostgreSQL run of the suite (DATABASE_URL points at a PostgreSQL server): it
makes two scratch databases of its own on that server (clinic data, keystore), seeds the
demo clinic into them with the real `klinika` command, has klinika decrypt every person and
what the clinic stores about them (identifiers, appointment reasons, visit records, allergies:
demo_values), and looks for each value in a plain-format UTF-8 dump of both databases. The
scratch databases are dropped afterwards.
"""
import os
import secrets
import subprocess
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.cli.support import DEMO_PATIENTS, DEMO_STAFF, TIMEOUT, klinika_env, seed
from tests.testdata import leaks
from tests.testdata.demo_values import read_back_all, seeded_values


def _server_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in ("postgres", "postgresql", "pgsql") else None


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(_server_url() is None, reason="needs DATABASE_URL pointing at PostgreSQL"),
]


class Server:
    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 5432
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password,
                   PGDATABASE="postgres", PGCONNECT_TIMEOUT="10")
        return env

    def url(self, database):
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{database}"

    def run(self, *args, **kwargs):
        return subprocess.run(list(args), env=self.env(), capture_output=True, timeout=TIMEOUT, check=True, **kwargs)


@pytest.fixture(scope="module")
def scratch_databases():
    server = Server(_server_url())
    stem = f"klinika_leak_{os.getpid()}_{secrets.token_hex(3)}"
    names = (stem, stem + "_keystore")
    for name in names:
        server.run("createdb", "--encoding=UTF8", "--template=template0", name)
    try:
        yield server, names
    finally:
        for name in names:
            subprocess.run(["dropdb", "--if-exists", "--force", name], env=server.env(), capture_output=True,
                           timeout=TIMEOUT)


@pytest.fixture(scope="module")
def seeded_postgres(scratch_databases, tmp_path_factory):
    server, (data_db, keystore_db) = scratch_databases
    env = klinika_env(tmp_path_factory.mktemp("klinika-pg") / "data",
                      DATABASE_URL=server.url(data_db), KEYSTORE_DATABASE_URL=server.url(keystore_db))
    seed(env)
    values = read_back_all(env)
    assert len(values["patients"]) >= DEMO_PATIENTS and len(values["staff"]) >= DEMO_STAFF
    assert values["identifiers"] and values["visits"] and values["appointments"]
    dumps = {
        name: server.run("pg_dump", "--format=plain", "--encoding=UTF8", "--no-owner", "--no-privileges",
                         f"--dbname={name}").stdout.decode("utf-8")
        for name in (data_db, keystore_db)
    }
    return values, dumps, data_db, keystore_db


def _cells(dump: str) -> str:
    """Every non-null field of the dump's COPY rows, one per line."""
    return "\n".join(field for _, rows in leaks.copy_blocks(dump).values()
                     for row in rows for field in row if field is not None)


def test_no_plaintext_in_pg_dump(seeded_postgres, public_text):
    values, dumps, data_db, keystore_db = seeded_postgres
    tables = leaks.copy_blocks(dumps[data_db])
    # The dump holds the seeded rows, and the scan sees plaintext where it is by design
    # (the clinic's business name, the logins): otherwise the scan would prove nothing.
    assert len(tables["patients_patient"][1]) == len(values["patients"])
    assert len(tables["accounts_staffmember"][1]) == len(values["staff"])
    assert len(tables["patients_patientidentifier"][1]) == len(values["identifiers"])
    assert len(tables["records_encounterversion"][1]) == len(values["visits"])
    controls = [("clinic name", values["clinic"]), ("login", "lekarz1")]
    assert {h.label for h in leaks.scan_text(dumps[data_db], data_db, controls)} == {"clinic name", "login"}

    people = seeded_values(values)
    hits = []
    for name, dump in dumps.items():
        hits += leaks.scan_text(dump, name, people)
    blobs, crypto_blobs = leaks.dump_bytea_values(list(dumps.values()))
    assert len(blobs) > DEMO_PATIENTS * 8  # every encrypted column is bytea
    hits += leaks.scan_blobs(blobs, "bytea values", people, crypto_blobs)
    # Names that are also words of the shipped code lists: counted, not grepped (leaks.py).
    public = leaks.word_counts(public_text.decode().replace("\0", "\n"), people)
    hits = leaks.without_public_words(hits, people, public, leaks.word_counts(_cells(dumps[data_db]), people),
                                      where=data_db)
    assert not hits, f"{len(hits)} plaintext value(s) in the dump:\n" + "\n".join(map(str, hits[:40]))


def test_keystore_dump_holds_keys_only(seeded_postgres):
    """The keystore database has key tables and no clinic or person tables at all."""
    values, dumps, data_db, keystore_db = seeded_postgres
    tables = set(leaks.copy_blocks(dumps[keystore_db]))
    assert {"crypto_keyencryptionkey", "crypto_datakey"} <= tables
    assert not tables & {"patients_patient", "accounts_staffmember", "tenancy_clinic", "audit_auditevent"}
    assert not leaks.scan_text(dumps[keystore_db], keystore_db, seeded_values(values))


def test_the_dump_scan_finds_planted_plaintext(seeded_postgres):
    values, dumps, data_db, keystore_db = seeded_postgres
    person = values["patients"][0]
    planted = dumps[data_db] + f"COPY public.leak (a, b) FROM stdin;\n{person['last_name']}\t{person['pesel']}\n\\.\n"
    found = {h.label for h in leaks.scan_text(planted, "planted", [("last", person["last_name"]),
                                                                   ("pesel", person["pesel"])])}
    assert found == {"last", "pesel"}
    # Plaintext hidden in a bytea column (hex in the dump) is found too.
    hidden = "\\\\x" + (person["first_name"] + person["last_name"]).encode().hex()
    planted = f"COPY public.leak (a) FROM stdin;\n{hidden}\n\\.\n"
    blobs, _ = leaks.dump_bytea_values([planted])
    assert {h.label for h in leaks.scan_blobs(blobs, "planted", [("first", person["first_name"]),
                                                                 ("last", person["last_name"])], set())} == {
        "first", "last"}
