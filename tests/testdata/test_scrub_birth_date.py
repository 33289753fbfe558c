"""A date of birth goes when labelled; other dates (visits, results) stay."""
import pytest

from tests.testdata.scrub_support import clean, kinds


@pytest.mark.parametrize("text, expected", [
    ("Pacjentka ur. 12.03.1985 r., zgłasza ból.", "Pacjentka ur. [DATA_URODZENIA], zgłasza ból."),
    ("Data urodzenia: 1985-03-12.", "Data urodzenia: [DATA_URODZENIA]."),
    ("urodzony 7 października 1949", "urodzony [DATA_URODZENIA]"),
    ("Rocznik 1962, emeryt.", "Rocznik [DATA_URODZENIA], emeryt."),
])
def test_a_labelled_birth_date_is_taken(text, expected):
    assert clean(text) == expected


def test_other_dates_stay():
    assert kinds("Wizyta kontrolna 12.03.2025, USG z dnia 2024-11-02 bez zmian.") == []
