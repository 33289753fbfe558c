"""`klinika backup` and `klinika restore`: each database copied consistently, the keystore to a target
of its own, and a restore that says which clinics a keystore backup can no longer open.

SQLite is copied with its online backup API (a consistent snapshot while klinika keeps running);
PostgreSQL with pg_dump in its custom format (one snapshot). The clinic database is copied first,
then the keystore: every key a ciphertext of the data backup names was created before that
ciphertext was written, so the keystore backup taken after it holds it (unless it was destroyed
in between, which is the point of destroying it).

Each backup file has a JSON sidecar (`<file>.json`): what it is, when, the current root key
generation, its size and SHA-256. Neither file holds the root key: a keystore backup opens only
with the root key generations that wrapped its KEKs, and those are destroyed after the backup
retention window (docs/erasure.md), which bounds the life of every keystore backup.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections
from django.utils import timezone

from klinika.crypto import keystore
from klinika.crypto.errors import KlinikaCryptoError, RootKeyError
from klinika.crypto.models import DataKey, KeyEncryptionKey, KeyState, RootKeyGeneration
from klinika.crypto.root import fsync_directory, kek_aad, provider

FORMAT = "klinika-backup/1"
ALIASES = {"data": "default", "keystore": "keystore"}  # what a backup holds -> the database it comes from


class BackupError(KlinikaCryptoError):
    """A backup or restore that cannot be done; nothing was changed. The message says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    sidecar: Path
    meta: dict


@dataclass
class UnreadableClinic:
    clinic_id: str
    generation: int
    keks: int
    keys: int  # data, index, signing, audit and subject keys under those KEKs


@dataclass
class RestoreReport:
    kind: str
    path: Path
    meta: dict
    readable_keks: int = 0
    unreadable: list[UnreadableClinic] = field(default_factory=list)
    destroyed_generations: list[int] = field(default_factory=list)  # named by KEKs, gone from the root key provider
    current_generation_missing: bool = False  # klinika will refuse to start on this keystore


# --------------------------------------------------------------------------- backup

def check_targets(data_out, keystore_out) -> tuple[Path, Path]:
    data_dir, key_dir = Path(data_out).resolve(), Path(keystore_out).resolve()
    if data_dir == key_dir or data_dir in key_dir.parents or key_dir in data_dir.parents:
        raise BackupError(
            f"The keystore backup must go to a different target than the data backup ({key_dir} and {data_dir} "
            f"are the same directory or one is inside the other): one copy holding both is a copy that reads "
            f"everything. Give --keystore-out a directory on other storage.")
    return data_dir, key_dir


def backup(data_out, keystore_out) -> list[BackupFile]:
    """Back up the clinic database into data_out, then the keystore into keystore_out."""
    data_dir, key_dir = check_targets(data_out, keystore_out)
    for directory in (data_dir, key_dir):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = timezone.now()
    return [backup_database("data", data_dir, stamp), backup_database("keystore", key_dir, stamp)]


def backup_database(kind: str, directory: Path, stamp=None) -> BackupFile:
    stamp = stamp or timezone.now()
    alias = ALIASES[kind]
    connection = connections[alias]
    vendor = connection.vendor
    suffix = {"sqlite": "sqlite3", "postgresql": "pgdump"}.get(vendor)
    if suffix is None:
        raise BackupError(f"klinika backs up SQLite and PostgreSQL databases; the {alias} database is {vendor}.")
    name = f"klinika-{kind}-{stamp:%Y%m%dT%H%M%S%fZ}.{suffix}"
    path, partial = directory / name, directory / f".{name}.partial"
    generation = keystore.current_root_generation()
    generations = _kek_generations("keystore") if kind == "keystore" else set()
    try:
        if vendor == "sqlite":
            _sqlite_copy(connection.settings_dict["NAME"], partial)
        else:
            _pg_dump(connection.settings_dict, partial)
        _fsync(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    meta = {
        "format": FORMAT,
        "kind": kind,
        "engine": vendor,
        "file": name,
        "created_at": stamp.isoformat(),
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
        "root_generation": generation,
    }
    if kind == "keystore":
        # The generations whose destruction makes this backup unreadable (more than one only when a
        # rotation ran during the backup).
        meta["root_generations"] = sorted(generations | _kek_generations("keystore"))
    sidecar = sidecar_path(path)
    _write_atomically(sidecar, (json.dumps(meta, indent=2) + "\n").encode())
    fsync_directory(directory)
    return BackupFile(path, sidecar, meta)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _kek_generations(alias: str) -> set[int]:
    return set(KeyEncryptionKey.objects.using(alias).filter(wrapped__isnull=False).exclude(
        state=KeyState.DESTROYED).values_list("root_generation", flat=True).distinct())


def _sqlite_copy(source_name, target: Path) -> None:
    source = sqlite3.connect(source_name, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # one self-contained file: no write-ahead log next to it
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    finally:
        source.close()


def _libpq_env(settings_dict) -> dict:
    """The connection as libpq variables: the password never appears on a command line."""
    env = dict(os.environ)
    values = {"PGHOST": settings_dict.get("HOST"), "PGPORT": settings_dict.get("PORT"),
              "PGUSER": settings_dict.get("USER"), "PGPASSWORD": settings_dict.get("PASSWORD"),
              "PGDATABASE": settings_dict.get("NAME"),
              "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode")}
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (Debian: "
                          f"`apt-get install postgresql-client`, the server's major version or newer).")
    return found


def _pg_dump(settings_dict, target: Path) -> None:
    result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                             "--file", str(target)], env=_libpq_env(settings_dict), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_dump of {settings_dict.get('NAME')} failed: {_first_line(result.stderr)}")


# --------------------------------------------------------------------------- restore

def read_sidecar(path: Path, kind: str) -> dict:
    """The backup's sidecar, checked against the file: refuses a changed, damaged or mislabelled backup."""
    sidecar = sidecar_path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file; give the backup file (klinika-{kind}-...) that `klinika backup` "
                          f"wrote.")
    try:
        meta = json.loads(sidecar.read_text())
    except FileNotFoundError:
        raise BackupError(f"{sidecar} is missing: without it the backup cannot be checked; restore the backup "
                          f"together with its .json file.") from None
    except (ValueError, OSError) as exc:
        raise BackupError(f"{sidecar} is not a backup description ({exc}); restore it from the backup "
                          f"target.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BackupError(f"{sidecar} is not a {FORMAT} description; restore it from the backup target.")
    if meta.get("kind") != kind:
        other = "--keystore" if meta.get("kind") == "keystore" else "--data"
        raise BackupError(f"{path} is a {meta.get('kind')} backup, not a {kind} backup: restore it with {other}.")
    if _sha256(path) != meta.get("sha256"):
        raise BackupError(f"{path} does not match the SHA-256 in {sidecar.name}: the backup was changed or damaged "
                          f"after it was written. Nothing was restored; use another backup.")
    return meta


def restore(path, kind: str, *, force: bool = False, alias: str | None = None) -> RestoreReport:
    """Replace one database (`kind` data or keystore; `alias` another database to restore into) with a backup.

    Refuses without `force` when the target holds tables. After a keystore restore the report lists
    the clinics whose KEKs the root key provider can no longer open (their generation is destroyed)."""
    path = Path(path)
    meta = read_sidecar(path, kind)
    alias = alias or ALIASES[kind]
    connection = connections[alias]
    if connection.vendor != meta.get("engine"):
        raise BackupError(f"{path} is a {meta.get('engine')} backup and the {alias} database is {connection.vendor}: "
                          f"restore it into a {meta.get('engine')} database (DATABASE_URL / KEYSTORE_DATABASE_URL).")
    tables = connection.introspection.table_names()
    if tables and not force:
        raise BackupError(f"The {alias} database is not empty ({len(tables)} tables): restoring replaces all of it. "
                          f"Repeat with --force to replace it, or restore into an empty database.")
    connection.close()
    if connection.vendor == "sqlite":
        _sqlite_restore(path, connection.settings_dict["NAME"])
    else:
        _pg_restore(path, connection.settings_dict, tables)
    connection.close()
    keystore.forget_cached_keys()
    report = RestoreReport(kind, path, meta)
    if kind == "keystore":
        readability(alias, report)
    return report


def _sqlite_restore(path: Path, target_name) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_name, timeout=30)
        try:
            source.backup(target)  # replaces every page of the target, in one transaction
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


def _pg_restore(path: Path, settings_dict, tables) -> None:
    """Drop what is there and load the dump, in one transaction (psql --single-transaction around both):
    a failure leaves the database as it was. Tables the dump does not know (a newer schema) go too.
    The dump becomes an SQL script first (next to the backup, mode 0600), so a dump pg_restore cannot
    read stops everything before the database is touched."""
    env = _libpq_env(settings_dict)
    drop = "DROP TABLE IF EXISTS " + ", ".join(f'"{table}"' for table in tables) + " CASCADE" if tables else "SELECT 1"
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".sql") as script:
        steps = (
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file", script.name,
             str(path)],
            [_tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-c", drop, "-f", script.name],
        )
        for step in steps:
            result = subprocess.run(step, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if result.returncode != 0:
                raise BackupError(f"Restoring {path} into {settings_dict.get('NAME')} failed, nothing was changed: "
                                  f"{_first_line(result.stderr)}")


def readability(alias: str, report: RestoreReport) -> RestoreReport:
    """Which live KEKs of the keystore at `alias` the root key provider can open, and which not."""
    root = provider()
    held = set(root.generations())
    unreadable: dict[tuple[str, int], UnreadableClinic] = {}
    dead_keks = []
    keks = KeyEncryptionKey.objects.using(alias).filter(wrapped__isnull=False).exclude(state=KeyState.DESTROYED)
    for kek in keks.order_by("clinic_id"):
        try:
            root.unwrap(bytes(kek.wrapped), kek_aad(kek.clinic_id, kek.key_id), kek.root_generation)
        except RootKeyError:
            entry = unreadable.setdefault((str(kek.clinic_id), kek.root_generation),
                                          UnreadableClinic(str(kek.clinic_id), kek.root_generation, 0, 0))
            entry.keks += 1
            dead_keks.append((kek.key_id, entry))
        else:
            report.readable_keks += 1
    for kek_id, entry in dead_keks:
        entry.keys += DataKey.objects.using(alias).filter(kek_id=kek_id).exclude(state=KeyState.DESTROYED).count()
    report.unreadable = list(unreadable.values())
    report.destroyed_generations = sorted({e.generation for e in report.unreadable} - held)
    newest = RootKeyGeneration.objects.using(alias).order_by("-number").first()
    report.current_generation_missing = newest is not None and newest.number not in held
    return report


# --------------------------------------------------------------------------- files

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or ["no message"])[0]
