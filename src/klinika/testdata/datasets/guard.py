"""The start-up check of a non-production instance (`serve`, `worker`, `shell`, wsgi), in the
one-line style of the root-key failures (crypto/root.py)."""
import sys


def check_environment_or_exit() -> None:
    from django.db import DatabaseError

    from klinika.testdata.datasets.services import EnvironmentRefused, check_environment

    try:
        check_environment()
    except EnvironmentRefused as exc:
        sys.stderr.write(f"klinika: {exc}\n")
        raise SystemExit(2) from None
    except DatabaseError:
        if _holds_clinics():  # clinics, but no provenance table: an older database, never waved through
            sys.stderr.write("klinika: the databases are not up to date: run `klinika migrate` (the start-up "
                             "check of a non-production instance needs the testdata tables)\n")
            raise SystemExit(2) from None
        # not migrated at all: no clinic to refuse (the command reports the missing tables itself)


def _holds_clinics() -> bool:
    from django.db import DatabaseError

    from klinika.tenancy.models import Clinic

    try:
        return Clinic.objects.exists()
    except DatabaseError:
        return False
