"""The built-in drug list: valid GTINs (restricted-circulation range), antibiotics and immunological preparations."""
import pytest
from stdnum import ean

from klinika.edocs.models import Drug

pytestmark = pytest.mark.django_db


def test_every_gtin_has_a_correct_check_digit_and_names_no_real_product():
    gtins = list(Drug.objects.values_list("gtin", flat=True))
    assert len(gtins) >= 30 and len(set(gtins)) == len(gtins)
    assert all(ean.is_valid(g) and g.startswith("20") for g in gtins)


def test_the_list_marks_antibiotics_and_immunological_preparations():
    assert Drug.objects.filter(name="Amoxicillinum", is_antibiotic=True).exists()
    immunological = set(Drug.objects.filter(is_immunological=True).values_list("name", flat=True))
    assert any(n.startswith("Vaccinum") for n in immunological)
    assert any(n.startswith("Allergeni") for n in immunological)
    assert not Drug.objects.filter(is_antibiotic=True, is_immunological=True).exists()
