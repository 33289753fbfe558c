"""Running the real `klinika` command in subprocesses, against a data directory of its own.

No mocks: every helper here starts `klinika` as a user would, with an environment built
from scratch (the test process's own KLINIKA_* and DJANGO_SETTINGS_MODULE, set by
klinika.test_settings for the in-process tests, are removed), and reads what it printed.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

KLINIKA = [shutil.which("klinika")] if shutil.which("klinika") else [sys.executable, "-m", "klinika.cli"]
TIMEOUT = 180  # seconds; generous, a hung command fails the test instead of the suite
DEMO_SEED = 7
DEMO_PATIENTS = 50  # seed_demo's default
DEMO_STAFF = 9  # STAFF_PLAN in klinika.testdata.demo

# Variables that would point a subprocess at the wrong databases, key or settings.
_DROPPED = ("DATABASE_URL", "KEYSTORE_DATABASE_URL", "DJANGO_SETTINGS_MODULE")


def klinika_env(data_dir: Path, **extra: str | None) -> dict[str, str]:
    """os.environ minus every KLINIKA_* / database / settings variable, plus a data dir.

    Without DATABASE_URL and KEYSTORE_DATABASE_URL klinika uses SQLite files in the data
    dir. `extra` adds variables (a value of None leaves the variable out).
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith("KLINIKA_")}
    env["KLINIKA_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "200"  # rich and argparse wrap at the terminal width; keep messages on one line
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def run(args, env, *, timeout=TIMEOUT, input=None, umask=-1, check=False) -> subprocess.CompletedProcess:
    """`klinika ARGS...`; stdin is /dev/null (never a tty) unless `input` is given."""
    result = subprocess.run(
        [*KLINIKA, *args],
        env=env,
        cwd=env["KLINIKA_DATA_DIR"] if Path(env["KLINIKA_DATA_DIR"]).is_dir() else None,
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        umask=umask,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"`klinika {' '.join(args)}` exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def new_root_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What the demo clinic holds, decrypted by klinika itself (same data dir, same root key).
_READBACK = r'''
import json
from klinika.accounts.models import StaffMember
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

clinic = Clinic.objects.get(slug="demo")
with clinic_context(clinic):
    patients = [
        {"first_name": p.first_name, "last_name": p.last_name, "pesel": p.pesel, "phone": p.phone,
         "email": p.email, "address": p.address, "birth_date": p.birth_date.isoformat(), "sex": p.sex,
         "document_number": getattr(p, "document_number", "")}
        for p in Patient.objects.order_by("pk")
    ]
    staff = [
        {"first_name": s.first_name, "last_name": s.last_name, "phone": s.phone, "email": s.email}
        for s in StaffMember.objects.order_by("pk")
    ]
print("KLINIKA-READBACK " + json.dumps({"clinic": clinic.name, "patients": patients, "staff": staff}))
'''


def read_back(env) -> dict:
    """Every patient and staff member of the demo clinic, as klinika decrypts them."""
    result = run(["shell", "-v", "0", "-c", _READBACK], env, check=True)
    for line in result.stdout.splitlines():
        if line.startswith("KLINIKA-READBACK "):
            return json.loads(line.removeprefix("KLINIKA-READBACK "))
    raise AssertionError(f"no read-back line in the output:\n{result.stdout}\n{result.stderr}")


def seed(env, *, demo_command=False) -> None:
    """Migrate both databases and create the demo clinic (repeatable with DEMO_SEED)."""
    if demo_command:
        run(["demo", "--no-serve"], env, check=True)
        return
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], env, check=True)
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    run(["seed_demo", "--seed", str(DEMO_SEED)], env, check=True)


@dataclass
class Seeded:
    """A data directory holding the seeded demo clinic (SQLite), never changed by tests."""

    path: Path
    values: dict  # read_back() right after seeding
    seeded_on: datetime.date  # the generator's birth dates (hence PESELs) count back from today
    _copies: int = field(default=0, repr=False)

    def copy(self, parent: Path, name: str | None = None) -> Path:
        """A private copy (file modes kept: secrets/ 0700, root.key 0600) for a test to change."""
        self._copies += 1
        target = parent / (name or f"data-{self._copies}")
        shutil.copytree(self.path, target, copy_function=shutil.copy2)
        return target


_seeded: Seeded | None = None


def seeded_sqlite(tmp_path_factory) -> Seeded:
    """The session's seeded demo data dir: made once, however many conftests ask for it."""
    global _seeded
    if _seeded is None:
        path = tmp_path_factory.mktemp("klinika-seeded") / "data"
        env = klinika_env(path)
        seeded_on = datetime.date.today()
        seed(env)
        values = read_back(env)
        assert len(values["patients"]) >= DEMO_PATIENTS and len(values["staff"]) >= DEMO_STAFF, values
        _seeded = Seeded(path, values, seeded_on)
    return _seeded


def snapshot(directory: Path) -> dict[str, str]:
    """sha256 of every file under `directory` (by relative path): equal snapshots, equal bytes."""
    result = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.is_symlink():
            result[str(path.relative_to(directory))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            result[str(path.relative_to(directory)) + "/"] = "dir"
    return result


def personal_values(values: dict) -> list[tuple[str, str]]:
    """(label, value) for every seeded personal value to look for: names, PESEL (and an
    identity document's number, where the model has one), phone, e-mail, street and city
    of every patient and staff member."""
    found = []
    for kind in ("patients", "staff"):
        for n, person in enumerate(values[kind]):
            fields = ["first_name", "last_name", "phone", "email"]
            if kind == "patients":
                fields += ["pesel", "document_number"]
            for name in fields:
                if person.get(name):
                    found.append((f"{kind}[{n}].{name}", person[name]))
            for name in ("street", "city"):
                if (person.get("address") or {}).get(name):
                    found.append((f"{kind}[{n}].address.{name}", person["address"][name]))
    return found
