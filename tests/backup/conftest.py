import pytest
from django.db import connections

from tests.support.root_generations import root_key_files  # noqa: F401


@pytest.fixture
def database_copy(tmp_path):
    """make(kind) -> the name of a new, empty database beside the test's own (kind: data | keystore), to restore
    a backup into without touching the live one: a SQLite file, or a PostgreSQL database of its own."""
    made = []

    def make(kind):
        source = connections["keystore" if kind == "keystore" else "default"].settings_dict
        if source["ENGINE"].endswith("sqlite3"):
            return str(tmp_path / f"copy-{kind}.sqlite3")
        name = f"{source['NAME']}_copy"
        _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(*statements):
    with connections["default"].cursor() as cursor:  # autocommit: a transactional test holds no transaction
        for statement in statements:
            cursor.execute(statement)
