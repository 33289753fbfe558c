import pytest
from django.utils import translation

from klinika.tenancy.context import clinic_context
from tests.records.world import build

VISIT = {
    "interview": "Ból gardła od 3 dni, gorączka do 38,5 °C.",
    "examination": "Gardło zaczerwienione, migdałki bez nalotów.",
    "recommendations": "Nawadnianie, paracetamol doraźnie.",
    "diagnoses": [{"code": "J06.9", "main": True}, {"code": "R50.9"}],
    "procedures": [{"code": "89.00"}],
}


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


@pytest.fixture
def other_world(make_clinic, people):
    return build(make_clinic(), people)


@pytest.fixture
def ctx(world):
    """The world's clinic in context, for calling services directly."""
    with clinic_context(world.clinic):
        yield world


@pytest.fixture
def visit():
    return {**VISIT, "diagnoses": [dict(d) for d in VISIT["diagnoses"]],
            "procedures": [dict(p) for p in VISIT["procedures"]]}


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids); Polish is checked where it is the point."""
    with translation.override("en"):
        yield


@pytest.fixture
def file_store(settings, tmp_path):
    """Attachments go to a directory of this test's own (through the STORAGES setting, as S3 would)."""
    location = tmp_path / "attachments"
    settings.STORAGES = {**settings.STORAGES, "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    return location
