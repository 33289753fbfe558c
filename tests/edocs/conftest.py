import pytest
from django.utils import translation

from klinika.edocs.gateway.simulator import faults
from tests.edocs.world import build


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):
    """Each test's messages land in its own outbox (the file backends)."""
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox" / "email"
    settings.KLINIKA_SMS_BACKEND = "file"


@pytest.fixture(autouse=True)
def _healthy_platform():
    """The simulator starts every test up and without injected rejections."""
    with faults.lock:
        faults.outage_calls, faults.reject_calls, faults.reject_reason = 0, 0, ""
    yield


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids); Polish is checked where it is the point."""
    with translation.override("en"):
        yield
