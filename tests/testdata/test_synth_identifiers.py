"""The identifier arithmetic the generator does itself, checked against python-stdnum and the
staff validators over their whole ranges: PESEL for births 1900-2099, NPWZ, nursing licences,
and the keyed permutation that keeps phone and passport numbers distinct."""
import datetime

import numpy as np
import pytest
from stdnum.pl import pesel as stdnum_pesel

from klinika.staff.validators import is_valid_npwz, is_valid_nursing_licence
from klinika.testdata.synth import numbers


def test_pesels_for_births_from_1900_to_2099_are_valid_and_hold_date_and_sex():
    rng = np.random.default_rng(1)
    edges = np.array(["1900-01-01", "1999-12-31", "2000-01-01", "2000-02-29", "2099-12-31", "1904-02-29"],
                     dtype="datetime64[D]")
    days = np.concatenate([edges, numbers.EPOCH + rng.integers(0, numbers.PESEL_DAYS, 20_000)])
    male = rng.random(len(days)) < 0.5
    allocator = numbers.PeselAllocator(seed=9)
    pesels = allocator.allocate(days, male)
    assert len(set(pesels.tolist())) == len(pesels)
    for number, born, is_male in zip(pesels.tolist(), days.tolist(), male.tolist(), strict=True):
        assert stdnum_pesel.is_valid(number), number
        assert stdnum_pesel.get_birth_date(number) == born
        assert stdnum_pesel.get_gender(number) == ("M" if is_male else "F")


def test_one_day_and_sex_gets_all_5000_numbers_then_a_clear_error():
    allocator = numbers.PeselAllocator(seed=2)
    day = np.full(2500, np.datetime64("1980-05-05"))
    first = allocator.allocate(day, np.zeros(2500, dtype=bool))
    second = allocator.allocate(day, np.zeros(2500, dtype=bool))
    assert len(set(first.tolist()) | set(second.tolist())) == 5000
    with pytest.raises(ValueError, match="5,000"):
        allocator.allocate(day[:1], np.zeros(1, dtype=bool))


def test_pesels_outside_1900_to_2099_are_refused():
    allocator = numbers.PeselAllocator(seed=2)
    for day in ("1899-12-31", "2100-01-01"):
        with pytest.raises(ValueError, match="1900-2099"):
            allocator.allocate(np.array([day], dtype="datetime64[D]"), np.array([True]))


def test_npwz_numbers_are_valid_distinct_and_never_start_with_zero():
    found = numbers.npwz_numbers(np.random.default_rng(3), 20_000).tolist()
    assert len(set(found)) == 20_000
    assert all(is_valid_npwz(n) and n[0] != "0" and len(n) == 7 for n in found)
    assert {n[0] for n in found} == set("123456789")


def test_nursing_licences_are_valid_for_their_profession():
    letters = np.array(["P"] * 3000 + ["A"] * 1000)
    found = numbers.nursing_licence_numbers(np.random.default_rng(4), letters).tolist()
    assert len(set(found)) == 4000
    assert all(is_valid_nursing_licence(n, "nurse") for n in found[:3000])
    assert all(is_valid_nursing_licence(n, "midwife") for n in found[3000:])


def test_the_keyed_permutation_is_a_bijection_and_depends_on_the_key():
    values = np.arange(1_000_000)
    one, other = numbers.permute(values, 1_000_000, 1), numbers.permute(values, 1_000_000, 2)
    assert np.array_equal(np.sort(one), values)
    assert (one != other).mean() > 0.99
    assert abs(np.corrcoef(values, one)[0, 1]) < 0.01


def test_dates_split_like_the_calendar():
    days = np.arange(np.datetime64("1899-12-25"), np.datetime64("2100-01-05"))
    year, month, day = numbers.split_date(days)
    expected = [(d.year, d.month, d.day) for d in days.tolist()]
    assert list(zip(year.tolist(), month.tolist(), day.tolist(), strict=True)) == expected
    assert isinstance(days.tolist()[0], datetime.date)


def test_a_staff_of_one_profession_only():
    """No nurses (or no doctors) is a staff too: the generator makes the others alone."""
    from klinika.testdata.synth import generate_practitioners

    assert {p["profession"] for p in generate_practitioners(seed=1, doctors=2, nurses=0)} == {"doctor"}
    assert {p["profession"] for p in generate_practitioners(seed=1, doctors=0, nurses=2)} == {"nurse"}
