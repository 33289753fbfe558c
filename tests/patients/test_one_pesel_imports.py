"""Bulk, handover, synthetic and anonymized data all enter through patients.services.bulk: none of
them makes two live patients of one PESEL, even when the desk registers that PESEL while an import
runs, and the generators give every person a PESEL of their own (the mother's only to a newborn)."""
import datetime

import pytest

from klinika.audit.context import Actor
from klinika.bulk import ImportRejected
from klinika.patients import services
from klinika.patients.models import Patient
from klinika.patients.services import bulk
from klinika.patients.services.bulk import import_patients
from klinika.tenancy.context import clinic_context
from klinika.testdata import synthetic
from klinika.testdata.synth import generate_patients
from klinika.testdata.synthetic import SyntheticPeople
from tests.patients.factories import adult

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


def test_a_pesel_registered_at_the_desk_while_the_import_ran_refuses_the_chunk(clinic, registrar, monkeypatch):
    rows = [row for batch in generate_patients(30, seed=11, batch_size=30) for row in batch.rows()]
    taken_row = next(i for i, r in enumerate(rows)
                     if r["pesel"] and not r["pesel_is_mothers"] and r["guardian"] is None)
    with clinic_context(clinic):
        holder = services.register_patient(registrar, adult(pesel=rows[taken_row]["pesel"]), confirm_duplicates=True)
    # The import's own check ran before the desk's registration committed: it saw nothing.
    real, first = bulk._registered_pesels, [True]

    def checked_before_the_desk(*args):
        return [] if first and first.pop() else real(*args)

    monkeypatch.setattr(bulk, "_registered_pesels", checked_before_the_desk)
    with pytest.raises(ImportRejected) as caught:
        import_patients(clinic, rows, actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [(taken_row, "pesel")]
    with clinic_context(clinic):
        assert list(Patient.objects.values_list("pk", flat=True)) == [holder.pk]


def test_the_synthetic_generator_never_repeats_a_pesel_of_ones_own(clinic):
    rows = [row for batch in generate_patients(3000, seed=5, batch_size=1000) for row in batch.rows()]
    own = [r["pesel"] for r in rows if r["pesel"] and not r["pesel_is_mothers"]]
    assert len(own) > 2000 and len(set(own)) == len(own)
    mothers = [r for r in rows if r["pesel_is_mothers"]]
    assert mothers and all(r["pesel"] in set(own) for r in mothers)
    assert import_patients(clinic, rows[:600], actor=IMPORTER).count == 600


def test_synthetic_people_draw_again_rather_than_repeat_a_pesel(monkeypatch):
    """Faker's PESELs are random: a repeat is rare, and then drawn again."""
    draws = iter(["80020312345", "80020312345", "80020354321"])
    monkeypatch.setattr(synthetic, "_pesel", lambda *a: next(draws))
    people = SyntheticPeople(seed=3)
    assert [people.own_pesel(datetime.date(1980, 2, 3), "F") for _ in range(2)] == ["80020312345", "80020354321"]
