"""Bench databases, Django set-up and the facts about the machine a run is recorded with."""
import base64
import os
import platform
import tempfile
from pathlib import Path

PG_DEFAULT = "postgres://klinika:klinika@127.0.0.1:5432/klinika_bench_desk"
PG_KEYSTORE_DEFAULT = "postgres://klinika:klinika@127.0.0.1:5432/klinika_bench_desk_keystore"


def fresh_postgres_database(url: str):
    """Drop and re-create a bench database (refuses any name without 'bench' in it)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: bench databases must have 'bench' in their name")
    with psycopg.connect(conninfo(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{cfg["USER"]}"')


def conninfo(url: str, dbname: str | None = None) -> str:
    """A libpq connection string for a database URL (bare psycopg connections of the SQL baselines)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    return psycopg.conninfo.make_conninfo(
        host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None, dbname=dbname or cfg["NAME"],
    )


def configure(args) -> Path:
    """Fresh bench databases, the environment bench.settings reads, django.setup(), migrations and the
    plaintext twin's table. Worker processes inherit the environment and only call django.setup().
    Returns a temp dir to remove at the end."""
    temp = Path(tempfile.mkdtemp(prefix="klinika-bench-desk-"))
    fresh_postgres_database(args.pg_url)
    fresh_postgres_database(args.pg_keystore_url)
    os.environ["KLINIKA_DATA_DIR"] = str(temp)
    os.environ["KLINIKA_ROOT_KEY"] = base64.b64encode(os.urandom(32)).decode()
    os.environ.pop("KLINIKA_DEBUG", None)
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ["KEYSTORE_DATABASE_URL"] = args.pg_keystore_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.plainapp.models import PlainPatient

    call_command("migrate", database="default", verbosity=0)
    call_command("migrate", database="keystore", verbosity=0)
    with connection.schema_editor() as editor:  # the twin has no migrations: it follows Patient
        editor.create_model(PlainPatient)
    return temp


def setup_worker():
    """In a worker process: Django from the environment the parent prepared."""
    import django

    django.setup()


def machine() -> dict:
    """Everything RESULTS.md records about where the numbers came from."""
    import cryptography
    import django
    import psycopg
    from django.db import connection

    import klinika

    cpu, mhz, memory = "", "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not cpu:
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and not mhz:
                mhz = line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = line.split(":", 1)[1].strip()
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "synchronous_commit", "fsync", "max_connections"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "cpu_mhz": mhz, "memory": memory,
        "kernel": platform.release(), "python": platform.python_version(), "django": django.get_version(),
        "cryptography": cryptography.__version__, "psycopg": psycopg.__version__,
        "postgresql": server, "postgresql_settings": settings, "klinika": str(Path(klinika.__file__).parent),
    }
