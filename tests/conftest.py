import pytest

from klinika.crypto import keystore
from klinika.tenancy.context import clinic_context


def pytest_collection_modifyitems(items):
    """Every database test sees both databases (clinic data and keystore) unless it says otherwise."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, **marker.kwargs, databases="__all__"), append=False)


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    """Each test's keystore rows roll back; cached keys must not outlive them."""
    keystore.forget_cached_keys()
    yield
    keystore.forget_cached_keys()


@pytest.fixture
def make_clinic(django_db_setup):
    from klinika.tenancy.services import create_clinic

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
