"""Root key generations in tests: the suite's root key comes from KLINIKA_ROOT_KEY (test_settings), and
generations are files. These fixtures move that key into a key file, as an operator would before
`klinika keys rotate-root`, and read a clinic's patients through chosen database copies."""
import contextlib
import os

import pytest
from django.db import connections

from klinika.crypto import keystore, root
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context


@pytest.fixture
def root_key_files(tmp_path):
    """The run's root key as generation 1's key file (mode 0600); later generations land next to it."""
    path = tmp_path / "secrets" / "root.key"
    path.parent.mkdir(mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(os.environ[root.ENV_VAR] + "\n")
    mp = pytest.MonkeyPatch()
    mp.delenv(root.ENV_VAR)
    mp.setenv("KLINIKA_ROOT_KEY_FILE", str(path))
    root.reset_provider()
    yield path
    mp.undo()
    root.reset_provider()
    keystore.forget_cached_keys()


def last_names(clinic):
    """The clinic's patients' last names, as this installation reads them (no cached key reused)."""
    keystore.forget_cached_keys()
    with clinic_context(clinic):
        return [patient.last_name for patient in Patient.objects.order_by("id")]


@contextlib.contextmanager
def pointed_at(*, data=None, keys=None):
    """This installation pointed at other databases (names: a SQLite file or a PostgreSQL database) for
    the clinic data and/or the keystore: what someone holding those copies and the root key files reads."""
    swapped = [(alias, name) for alias, name in (("default", data), ("keystore", keys)) if name is not None]
    originals = {}
    for alias, name in swapped:
        connections[alias].close()
        originals[alias] = connections[alias].settings_dict["NAME"]
        connections[alias].settings_dict["NAME"] = name
    keystore.forget_cached_keys()
    try:
        yield
    finally:
        for alias, name in originals.items():
            connections[alias].close()
            connections[alias].settings_dict["NAME"] = name
        keystore.forget_cached_keys()
