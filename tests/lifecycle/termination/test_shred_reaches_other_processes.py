"""The shred destroys the keys in the keystore and bumps the revocation counter: a process that had the
clinic's keys cached stops reading within the poll interval, without anyone telling it."""
import time

import pytest

from klinika.crypto.fields import ERASED
from klinika.lifecycle.termination import steps
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

from .conftest import database_env, klinika

pytestmark = pytest.mark.django_db(transaction=True)


def last_names(clinic):
    with clinic_context(clinic):
        return [patient.last_name for patient in Patient.objects.order_by("id")]


def test_a_process_with_the_keys_cached_loses_them_within_the_poll_interval(
        synth_clinic, acknowledged, settings, tmp_path, purge_signed_versions):
    settings.KLINIKA_TERMINATION_GRACE_DAYS = 0
    clinic = synth_clinic("w-pamieci")
    acknowledged(clinic)
    names = last_names(clinic)  # this process now holds the clinic's keys in its cache
    assert names and ERASED not in names

    # another process runs the termination; it is stopped right after the shred (nothing else happens)
    env = database_env(tmp_path / "var", KLINIKA_TERMINATION_GRACE_DAYS=0,
                       **{steps.CRASH_ENV: steps.SHRED})
    result = klinika(env, "clinic", "terminate", clinic.slug)
    assert result.returncode == 86, result.stderr
    shredded = time.monotonic()

    interval = settings.KLINIKA_KEY_REVOCATION_SECONDS
    while ERASED not in (seen := last_names(clinic)):
        assert time.monotonic() - shredded < interval + 1.0, "cached keys outlived the revocation poll interval"
        time.sleep(0.05)
    assert set(seen) == {ERASED}
