"""The same seed gives the same people; another seed gives other people; identifiers never repeat."""
from dataclasses import fields

import numpy as np

from klinika.testdata.synth import PatientBatch, generate_patients
from tests.testdata.synth_support import REFERENCE_DATE, population


def _columns(batches) -> dict[str, np.ndarray]:
    batches = list(batches)
    return {f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(PatientBatch)}


def test_the_same_seed_gives_identical_people():
    first = _columns(generate_patients(25_000, seed=7, batch_size=5_000, reference_date=REFERENCE_DATE))
    again = _columns(generate_patients(25_000, seed=7, batch_size=5_000, reference_date=REFERENCE_DATE))
    for name, values in first.items():
        assert np.array_equal(values, again[name]), name


def test_another_seed_gives_other_people():
    one = _columns(generate_patients(5_000, seed=7, reference_date=REFERENCE_DATE))
    other = _columns(generate_patients(5_000, seed=8, reference_date=REFERENCE_DATE))
    for name in ("pesel", "first_name", "last_name", "phone", "birth_date", "postal_code"):
        assert (one[name] != other[name]).mean() > 0.5, name
    pesels_one, pesels_other = set(one["pesel"].tolist()) - {""}, set(other["pesel"].tolist()) - {""}
    assert len(pesels_one & pesels_other) < 0.01 * len(pesels_one)


def test_ids_run_on_and_identifiers_are_unique_across_batches():
    batches = population(100_000, seed=3)
    assert len(batches) == 10 and all(len(b) == 10_000 for b in batches)
    cols = _columns(batches)
    assert np.array_equal(cols["id"], np.arange(100_000))
    own = cols["pesel"][(cols["pesel"] != "") & ~cols["pesel_is_mothers"]]
    assert len(own) > 95_000 and len(np.unique(own)) == len(own)
    for name in ("phone", "document_number"):
        given = cols[name][cols[name] != ""]
        assert len(np.unique(given.astype(str))) == len(given), name


def test_a_short_remainder_joins_the_last_batch():
    sizes = [len(b) for b in generate_patients(23_000, seed=1, reference_date=REFERENCE_DATE)]
    assert sizes == [10_000, 13_000]
    assert [len(b) for b in generate_patients(7, seed=1, reference_date=REFERENCE_DATE)] == [7]


def test_e_mails_can_be_kept_to_reserved_domains():
    batch = next(generate_patients(3_000, seed=7, reference_date=REFERENCE_DATE,
                                   email_domains=["example.com", "example.org"]))
    domains = {address.rpartition("@")[2] for address in batch.email.tolist() if address}
    assert domains == {"example.com", "example.org"}
    usual = next(generate_patients(3_000, seed=7, reference_date=REFERENCE_DATE))
    assert {"gmail.com", "wp.pl"} <= {address.rpartition("@")[2] for address in usual.email.tolist() if address}
