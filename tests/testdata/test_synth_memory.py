"""Generation works a batch at a time: its peak memory does not grow with the number of people."""
import tracemalloc

from klinika.testdata.synth import generate_patients, reference
from tests.testdata.synth_support import REFERENCE_DATE


def _peak(n: int) -> int:
    tracemalloc.start()
    try:
        count = sum(len(batch) for batch in generate_patients(n, seed=4, reference_date=REFERENCE_DATE))
        assert count == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_for_100k_people_is_under_twice_that_for_10k():
    sum(len(b) for b in generate_patients(100, seed=4, reference_date=REFERENCE_DATE))  # tables loaded
    reference.postal_codes()
    small, large = _peak(10_000), _peak(100_000)
    assert large < 2 * small, (small, large)
