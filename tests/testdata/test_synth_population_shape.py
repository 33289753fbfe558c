"""100,000 generated patients look like Poland: the age/sex structure of the population table,
foreign and double-barrelled names at the reference rates, newborns without a PESEL of their own,
and a guardian for every minor who could be their parent. Tolerances are stated per check; at
this size one standard error of a 4 % share is 0.06 percentage points."""
import datetime

import numpy as np

from klinika.testdata.synth import reference
from tests.testdata.synth_support import REFERENCE_DATE, population

N = 100_000
BATCHES = population(N, seed=3)


def _all(name):
    return np.concatenate([getattr(b, name) for b in BATCHES])


def _age(born: datetime.date) -> int:
    return REFERENCE_DATE.year - born.year - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))


AGE_DAYS = (np.datetime64(REFERENCE_DATE) - _all("birth_date")).astype(np.int64)
AGE = np.array([_age(born) for born in _all("birth_date").tolist()])
MALE = _all("sex") == "M"
ORIGIN = _all("origin")


def test_age_and_sex_structure_within_a_quarter_point_of_the_reference():
    pop = reference.population()
    for age_from, age_to, male, expected in zip(pop.age_from, pop.age_to, pop.male, pop.shares, strict=True):
        share = ((AGE >= age_from) & (AGE <= age_to) & (MALE == male)).mean()
        assert abs(share - expected) < 0.0025, (age_from, male, share, expected)
    assert abs(MALE.mean() - pop.shares[pop.male].sum()) < 0.005


def test_foreign_names_at_the_reference_rates():
    shares = reference.shares()
    for origin, tolerance in (("ua", 0.003), ("by", 0.001), ("vn", 0.0004), ("de", 0.001)):
        assert abs((ORIGIN == origin).mean() - shares[f"origin_{origin}"]) < tolerance, origin
    foreign = np.isin(ORIGIN, ["ua", "by", "vn"])
    passport = _all("document_type") == "passport"
    assert not (passport & ~foreign).any()
    assert abs(passport[foreign].mean() - shares["foreign_passport_only"]) < 0.03
    assert (_all("pesel")[passport] == "").all()
    german = ORIGIN == "de"
    assert (_all("pesel")[german] != "").all(), "the German minority are Polish citizens with a PESEL"


def test_double_barrelled_surnames_at_the_reference_rate():
    shares = reference.shares()
    double = np.strings.find(_all("last_name").astype(str), "-") > 0
    women = (ORIGIN == "pl") & ~MALE & (AGE >= 20)
    men = (ORIGIN == "pl") & MALE & (AGE >= 20)
    assert abs(double[women].mean() - shares["double_barrelled_female_adult"]) < 0.005
    assert abs(double[men].mean() - shares["double_barrelled_male_adult"]) < 0.0015


def test_surnames_agree_with_sex():
    table = reference.surnames()
    masculine = set(table.masculine.tolist())
    feminine_only = set(table.feminine.tolist()) - masculine
    for name, male in zip(_all("last_name").tolist(), MALE.tolist(), strict=True):
        parts = name.split("-")
        assert all((part not in feminine_only) if male else True for part in parts), name
    kowalski = _all("last_name") == "Kowalski"
    assert kowalski.any() and MALE[kowalski].all()
    assert (~MALE[_all("last_name") == "Kowalska"]).all()


def test_newborns_without_a_pesel_carry_their_mothers():
    mothers = _all("pesel_is_mothers")
    assert 20 <= mothers.sum() <= 100  # about 0.05 % of people are under a month old and unregistered
    assert (AGE_DAYS[mothers] < reference.shares()["newborn_days_maybe_pesel"]).all()
    guardian = _all("guardian")[mothers]
    pesel = _all("pesel")
    assert (pesel[mothers] == pesel[guardian]).all()
    assert (~MALE[guardian]).all() and (_all("guardian_relation")[mothers] == "mother").all()


def test_every_minor_has_a_guardian_a_generation_older():
    guardian = _all("guardian")
    minor = AGE < 18
    assert (guardian[minor] >= 0).all() and (guardian[~minor] == -1).all()
    wards = np.flatnonzero(minor)
    parent = guardian[wards]
    assert (parent < wards).all(), "a guardian comes before the ward"
    assert (guardian[parent] == -1).all(), "a guardian is an adult"
    gap_years = (AGE_DAYS[parent] - AGE_DAYS[wards]) / 365.2425
    assert gap_years.min() >= 16 and gap_years.max() <= 60
    assert 26 <= np.median(gap_years) <= 34
    relation = _all("guardian_relation")[wards]
    assert ((relation == "mother") == ~MALE[parent]).all()
    assert 0.8 <= (relation == "mother").mean() <= 0.9


def test_minors_usually_share_the_guardians_surname_and_home():
    guardian = _all("guardian")
    wards = np.flatnonzero(guardian >= 0)
    parent = guardian[wards]
    surname_root = np.vectorize(lambda s: s.split("-")[-1][:-1])  # Kowalsk-i / Kowalsk-a
    same_surname = surname_root(_all("last_name")[wards]) == surname_root(_all("last_name")[parent])
    assert 0.88 <= same_surname.mean() <= 0.97
    same_home = np.ones(len(wards), dtype=bool)
    for name in ("street", "building", "apartment", "postal_code", "city"):
        same_home &= _all(name)[wards] == _all(name)[parent]
    assert 0.93 <= same_home.mean() <= 0.98


def test_first_names_follow_the_birth_cohort():
    first = _all("first_name")
    old, young = AGE >= 80, AGE <= 10
    assert (first[old & ~MALE] == "Janina").mean() > (first[young & ~MALE] == "Janina").mean() * 10
    assert (first[young & MALE] == "Jakub").mean() > (first[old & MALE] == "Jakub").mean() * 10


def test_contacts_fit_age():
    phone, email = _all("phone"), _all("email")
    assert (phone[AGE < 10] == "").all() and (email[AGE < 13] == "").all()
    assert 0.9 <= (phone[(AGE >= 18) & (AGE < 80)] != "").mean() <= 0.98
    assert all(e.isascii() and e.count("@") == 1 for e in email[email != ""].tolist())
