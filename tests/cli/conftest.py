import pytest

from tests.cli.support import seeded_sqlite


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """The demo clinic seeded once per session (SQLite); tests work on copies of it."""
    return seeded_sqlite(tmp_path_factory)
