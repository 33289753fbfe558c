import pytest
from django.utils import translation

from tests.notify.booking import use_outbox


@pytest.fixture
def english():
    """Error messages are translated; these tests read the English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)
