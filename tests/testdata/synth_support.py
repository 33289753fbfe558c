"""Shared by the test_synth_* files: one generated population per parameter set, kept per session."""
import datetime
import functools

from klinika.testdata.synth import generate_patients

REFERENCE_DATE = datetime.date(2026, 3, 15)


@functools.cache
def population(n: int, seed: int, batch_size: int = 10_000) -> tuple:
    """The batches of n people (cached: several tests read the same population)."""
    return tuple(generate_patients(n, seed=seed, batch_size=batch_size, reference_date=REFERENCE_DATE))


def rows(n: int, seed: int, batch_size: int = 10_000) -> list[dict]:
    return [row for batch in population(n, seed, batch_size) for row in batch.rows()]
