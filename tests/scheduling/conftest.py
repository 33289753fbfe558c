import pytest

from tests.scheduling.world import build


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)
