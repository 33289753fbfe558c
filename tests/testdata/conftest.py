import pytest

from tests.cli.support import klinika_env, run, seeded_sqlite
from tests.testdata import leaks
from tests.testdata.demo_values import read_back_all


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """The demo clinic seeded once per session (SQLite); tests work on copies of it."""
    return seeded_sqlite(tmp_path_factory)


@pytest.fixture(scope="session")
def seeded_all(seeded, tmp_path_factory) -> dict:
    """Everything the seeded demo clinic stores (demo_values), read from a copy of it: opening
    the databases may write to them, and the seeded directory stays as it was made."""
    return read_back_all(klinika_env(seeded.copy(tmp_path_factory.mktemp("klinika-read-back"))))


@pytest.fixture(scope="session")
def public_text(tmp_path_factory) -> bytes:
    """The text a freshly migrated klinika database holds before any clinic exists: the
    code lists it ships (ICD-10, ICD-9 PL, specialties). Public, and the same everywhere."""
    data_dir = tmp_path_factory.mktemp("klinika-fresh") / "data"
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], klinika_env(data_dir), check=True)
    return leaks.sqlite_text([data_dir / "klinika.sqlite3"])
