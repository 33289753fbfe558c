import pytest

from klinika.crypto import keystore
from klinika.tenancy.context import clinic_context


def pytest_collection_modifyitems(items):
    """Every database test sees both databases (clinic data and keystore) unless it says otherwise."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, **marker.kwargs, databases="__all__"), append=False)


# Reference data that migrations load. A transactional test (transaction=True) ends with a
# flush that empties every table, these included, for all the tests after it.
REFERENCE_DATA = [
    ("klinika.staff.migrations.0002_specialty_code_list", "load", "staff.Specialty"),
    ("klinika.records.migrations.0003_builtin_codes", "load", "records.Code"),
    ("klinika.edocs.migrations.0005_builtin_drugs", "add_drugs", "edocs.Drug"),
]


@pytest.fixture(autouse=True)
def _reference_data_survives_flushes(request):
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    import importlib

    from django.apps import apps

    from klinika.tenancy.context import cross_clinic

    with cross_clinic("tests: restore reference data a flush removed"):
        for module, function, label in REFERENCE_DATA:
            if not apps.get_model(label)._base_manager.exists():
                getattr(importlib.import_module(module), function)(apps, None)
    yield


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """A request through the test client leaves its language active in this thread (LocaleMiddleware
    activates and nothing deactivates): the next test would read English where threads read Polish."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    """Each test's keystore rows roll back; cached keys must not outlive them."""
    keystore.forget_cached_keys()
    yield
    keystore.forget_cached_keys()


@pytest.fixture(autouse=True)
def _own_audit_witness_file(settings, tmp_path):
    """Each test's keystore rows roll back; its witnessed checkpoints must not outlive them either."""
    settings.KLINIKA_AUDIT_WITNESS = tmp_path / "audit-witness.jsonl"


@pytest.fixture
def make_clinic(django_db_setup):
    from klinika.lifecycle.services import create_clinic

    counter = iter(range(1, 10_000))

    def make(name=None, *, is_demo=False):
        n = next(counter)
        return create_clinic(name or f"Przychodnia Testowa {n}", f"test-{n}", is_demo=is_demo)

    return make


@pytest.fixture
def clinic(make_clinic):
    return make_clinic()


@pytest.fixture
def in_clinic(clinic):
    with clinic_context(clinic):
        yield clinic


@pytest.fixture
def people():
    from klinika.testdata.synthetic import SyntheticPeople

    return SyntheticPeople(seed=1234)


@pytest.fixture
def purge_signed_versions():
    """For a test that signs a visit. A transactional test ends by deleting every row, which SQLite's
    triggers refuse for signed versions (PostgreSQL empties tables with TRUNCATE, which row triggers do
    not see). So on SQLite the signed versions are removed first, with the triggers lifted for that moment
    only and put back exactly as migrated."""
    from django.db import connection

    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # as migrated, later migrations included (lifecycle/0002 redefines the delete trigger)
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                       "AND tbl_name = 'records_encounterversion'")
        migrated = cursor.fetchall()
        for name, _sql in migrated:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute("UPDATE records_encounter SET current_id = NULL")
        cursor.execute("DELETE FROM records_encounterversion")
        for _name, sql in migrated:
            cursor.execute(sql)

