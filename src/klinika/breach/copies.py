"""Reading a leaked copy of the clinic database, read-only, with plain SQL (the copy is not ours to migrate).

A copy is a SQLite file (`/path/klinika.sqlite3`, or `sqlite:/path`) or a PostgreSQL database (a
`postgres://` URL with user, host and database, or `pg:NAME` for a database on the live
server). A password in the URL is never stored with the incident (the register is read on screens and
in reports): libpq takes it from PGPASSWORD or ~/.pgpass when the copy is read.
Nothing is ever written to a copy: SQLite opens with mode=ro (falling back to immutable=1 when a
read-only open of a WAL file is refused), PostgreSQL in a read-only transaction.
"""
import sqlite3
import uuid
from pathlib import Path

from django.conf import settings


class CopyUnavailable(Exception):
    """The copy cannot be opened: the scope falls back to an estimate, and says so."""


class CopyReader:
    placeholder = "?"

    def __init__(self, connection, vendor: str, name: str):
        self.connection, self.vendor, self.name = connection, vendor, name

    def query(self, sql: str, params=()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql.replace("%s", self.placeholder), params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def tables(self) -> set[str]:
        if self.vendor == "sqlite":
            return {row[0] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {row[0] for row in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}

    def uuid_param(self, value: uuid.UUID):
        # Django stores UUIDs as 32 hex digits in SQLite and as uuid in PostgreSQL.
        return value.hex if self.vendor == "sqlite" else value

    @staticmethod
    def to_uuid(value) -> uuid.UUID | None:
        if value is None:
            return None
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))

    def close(self):
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def is_copy_reference(ref: str) -> bool:
    return ref.startswith(("sqlite:", "postgres://", "postgresql://", "pg:")) or ref.endswith(
        (".sqlite3", ".sqlite", ".db"))


def without_password(ref: str) -> str:
    """`ref` as it may be stored and shown: a postgres:// URL loses its password, anything else is kept."""
    from urllib.parse import urlsplit, urlunsplit

    ref = (ref or "").strip()
    if not ref.startswith(("postgres://", "postgresql://")):
        return ref
    parts = urlsplit(ref)
    if parts.password is None:
        return ref
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def open_copy(ref: str) -> CopyReader:
    """The copy `ref` names, opened read-only; CopyUnavailable when it is not there."""
    ref = (ref or "").strip()
    if ref.startswith(("postgres://", "postgresql://", "pg:")):
        return _open_postgres(ref)
    path = Path(ref.removeprefix("sqlite:"))
    if not path.is_file():
        raise CopyUnavailable(f"no SQLite copy at {path}")
    for options in ("mode=ro", "mode=ro&immutable=1"):
        try:
            connection = sqlite3.connect(f"file:{path.resolve()}?{options}", uri=True)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return CopyReader(connection, "sqlite", str(path))
        except sqlite3.Error:
            continue
    raise CopyUnavailable(f"{path} is not a readable SQLite database")


def _open_postgres(ref: str) -> CopyReader:
    import psycopg

    if ref.startswith("pg:"):
        live = settings.DATABASES["default"]
        if not live["ENGINE"].endswith("postgresql"):
            raise CopyUnavailable("pg:NAME names a database on the live PostgreSQL server, and this klinika runs "
                                  "on SQLite: give the copy as a "
                                  "postgres:// URL with its user, password, host and NAME")
        params = {"dbname": ref[3:], "host": live.get("HOST") or None, "port": live.get("PORT") or None,
                  "user": live.get("USER") or None, "password": live.get("PASSWORD") or None}
        kwargs = {k: v for k, v in params.items() if v}
        name = ref[3:]
    else:
        kwargs, name = {"conninfo": ref}, ref.rsplit("/", 1)[-1]
    try:
        connection = psycopg.connect(**kwargs, connect_timeout=10)
    except psycopg.Error as exc:
        raise CopyUnavailable(f"PostgreSQL copy {name} cannot be opened ({type(exc).__name__})") from None
    connection.read_only = True
    reader = CopyReader(connection, "postgresql", name)
    reader.placeholder = "%s"
    return reader
