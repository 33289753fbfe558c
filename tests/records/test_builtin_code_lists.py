"""The built-in lists are loaded by a migration: a few hundred ICD-10 codes, about a hundred ICD-9-PL."""
import pytest

from klinika.records.codefiles import PATTERNS
from klinika.records.models import Code
from klinika.tenancy.context import cross_clinic

pytestmark = pytest.mark.django_db


def _builtin(system):
    with cross_clinic("test: count the built-in code list"):
        return {c.code: c.name for c in Code.objects.filter(system=system, clinic__isnull=True)}


def test_the_icd10_list_covers_outpatient_medicine():
    icd10 = _builtin("icd10")
    assert len(icd10) >= 300
    assert all(PATTERNS["icd10"].fullmatch(code) for code in icd10)
    # obstetrics and gynaecology, pregnancy supervision, respiratory, internal medicine, symptoms
    for code in ["O24.4", "O20.0", "N76.0", "N92.0", "Z34.0", "Z35.9", "Z36.3", "J00", "J06.9", "J45.9", "I10",
                 "E11.9", "K21.9", "R50.9", "R51", "Z00.1"]:
        assert code in icd10, code
    assert sum(code.startswith("O") for code in icd10) >= 20
    assert sum(code.startswith("N") for code in icd10) >= 40
    assert sum("J00" <= code < "J46" for code in icd10) >= 35


def test_the_icd9pl_list_has_common_procedures():
    icd9 = _builtin("icd9pl")
    assert 90 <= len(icd9) <= 200
    assert all(PATTERNS["icd9pl"].fullmatch(code) for code in icd9)
    for code in ["89.00", "89.52", "88.78", "91.46", "69.7", "99.52"]:
        assert code in icd9, code


def test_names_are_short_polish_descriptions():
    for name in [*_builtin("icd10").values(), *_builtin("icd9pl").values()]:
        assert 3 <= len(name) <= 120
    assert _builtin("icd10")["J06.9"] == "Ostra infekcja górnych dróg oddechowych"
