import pytest

from klinika.accounts.roles import Role
from tests.scheduling.world import make_staff_user


@pytest.fixture
def team(clinic, people):
    """One login of each clinic role, each with its staff record."""
    return {role: make_staff_user(clinic, role, people)
            for role in (Role.REGISTRAR, Role.DOCTOR, Role.NURSE, Role.CLINIC_ADMIN)}
