"""Each rule of art. 29 ust. 1 gives the right first day of destruction, year boundaries included."""
import datetime

import pytest

from klinika.lifecycle.retention import rules
from klinika.lifecycle.retention.services import compute_due
from klinika.patients.services import record_death
from klinika.tenancy.context import clinic_context

from .conftest import at

D = datetime.date
UTC = datetime.timezone.utc


@pytest.mark.parametrize("facts, rule, due", [
    # 20 years from the end of the year of the last entry: destroyable from 1 January 21 years on
    ({"last_entry": at(2005, 1, 1, 0, 5)}, rules.DOCUMENTATION, D(2026, 1, 1)),
    ({"last_entry": at(2005, 12, 31, 23, 59)}, rules.DOCUMENTATION, D(2026, 1, 1)),
    ({"last_entry": at(2006, 1, 1, 0, 0)}, rules.DOCUMENTATION, D(2027, 1, 1)),
    # 31 December 23:30 UTC is already New Year in Warsaw: the entry belongs to 2006
    ({"last_entry": datetime.datetime(2005, 12, 31, 23, 30, tzinfo=UTC)}, rules.DOCUMENTATION, D(2027, 1, 1)),
    ({"last_entry": D(2005, 6, 1)}, rules.DOCUMENTATION, D(2026, 1, 1)),
    # a child under 2: 22 years, from the last entry made before the 2nd birthday
    ({"last_entry": at(2010, 3, 1), "last_entry_under_2": at(2010, 3, 1)}, rules.CHILD, D(2033, 1, 1)),
    # entries on both sides of the 2nd birthday: the later of the two periods
    ({"last_entry": at(2011, 5, 1), "last_entry_under_2": at(2010, 3, 1)}, rules.CHILD, D(2033, 1, 1)),
    ({"last_entry": at(2013, 5, 1), "last_entry_under_2": at(2010, 3, 1)}, rules.DOCUMENTATION, D(2034, 1, 1)),
    # a tie names the specific rule
    ({"last_entry": at(2012, 5, 1), "last_entry_under_2": at(2010, 3, 1)}, rules.CHILD, D(2033, 1, 1)),
    # death from injury or poisoning: 30 years from the end of the year of DEATH
    ({"last_entry": at(2000, 5, 1), "death_date": D(2001, 12, 31), "death_cause": "injury"},
     rules.DEATH_INJURY, D(2032, 1, 1)),
    ({"last_entry": at(2000, 5, 1), "death_date": D(2002, 1, 1), "death_cause": "poisoning"},
     rules.DEATH_INJURY, D(2033, 1, 1)),
    # another cause of death: the general rule
    ({"last_entry": at(2000, 5, 1), "death_date": D(2001, 3, 1), "death_cause": "other"},
     rules.DOCUMENTATION, D(2021, 1, 1)),
])
def test_patient_rules(facts, rule, due):
    assert rules.patient_due(**facts) == (rule, due)


@pytest.mark.parametrize("function, start, due", [
    (rules.xray_due, at(2015, 12, 31, 23, 59), D(2026, 1, 1)),  # 10 years from the year the image was made
    (rules.xray_due, at(2016, 1, 1, 0, 1), D(2027, 1, 1)),
    (rules.referral_due, at(2019, 12, 31), D(2025, 1, 1)),  # 5 years from the year of the service
    (rules.referral_due, D(2020, 1, 1), D(2026, 1, 1)),
])
def test_record_rules(function, start, due):
    assert function(start) == due


@pytest.mark.parametrize("born, turns_2", [
    (D(2014, 7, 3), D(2016, 7, 3)),
    (D(2016, 2, 29), D(2018, 2, 28)),  # a leap-day child turns 2 on the last day of February
    (D(2018, 2, 29 - 1), D(2020, 2, 28)),
])
def test_second_birthday(born, turns_2):
    assert rules.second_birthday(born) == turns_2


pytestmark_db = pytest.mark.django_db


def _due(world, today):
    with clinic_context(world.clinic):
        return {d.ref: d for d in compute_due(today)}


@pytestmark_db
def test_a_child_registered_under_2_is_kept_22_years(world, old):
    """Born 2004-01-01, so 2 years old from 2006-01-01 00:00. The general rule would allow destruction
    from 2027 (last entry 2006); the entry of 2005-12-31 23:50, made under 2, holds it until 2028
    (and one minute later, at 2 years old, it would not count: 2029 would be wrong)."""
    child = old.patient(at(2004, 1, 5), birth_date=D(2004, 1, 1), pesel="")
    old.measurement(child, at(2005, 12, 31, 23, 50))
    old.measurement(child, at(2006, 1, 1, 0, 10))
    assert child.subject_ref not in _due(world, D(2027, 6, 1))
    due = _due(world, D(2028, 1, 1))[child.subject_ref]
    assert (due.rule, due.due_on) == (rules.CHILD.code, D(2028, 1, 1))


@pytestmark_db
def test_death_from_injury_keeps_30_years_from_the_death(world, old):
    adult = old.patient(at(1999, 1, 10), birth_date=D(1950, 1, 1), pesel="")
    old.measurement(adult, at(2000, 4, 4))
    assert _due(world, D(2025, 1, 1))[adult.subject_ref].rule == rules.DOCUMENTATION.code  # 2021-01-01
    with clinic_context(world.clinic):
        record_death(world.doctor_user, adult.pk, died_on=D(2001, 7, 1), cause="injury")
    assert adult.subject_ref not in _due(world, D(2031, 12, 31))
    due = _due(world, D(2032, 1, 1))[adult.subject_ref]
    assert (due.rule, due.due_on) == (rules.DEATH_INJURY.code, D(2032, 1, 1))


@pytestmark_db
def test_appointments_do_not_keep_documentation_alive(world, old):
    patient = old.patient(at(2001, 2, 2), birth_date=D(1960, 1, 1), pesel="")
    world.appointment(patient)  # booked today: not medical documentation
    assert _due(world, D(2022, 1, 1))[patient.subject_ref].due_on == D(2022, 1, 1)


@pytestmark_db
def test_a_newer_entry_moves_the_date(world, old):
    patient = old.patient(at(2001, 2, 2), birth_date=D(1960, 1, 1), pesel="")
    old.measurement(patient, at(2003, 1, 1, 0, 30))
    assert patient.subject_ref not in _due(world, D(2023, 12, 31))
    assert _due(world, D(2024, 1, 1))[patient.subject_ref].due_on == D(2024, 1, 1)


@pytestmark_db
def test_xray_and_referral_have_their_own_periods(world, old, file_store):
    from klinika.records.models import Attachment

    patient = old.patient(at(2020, 1, 1), birth_date=D(1980, 1, 1), pesel="")
    xray = old.attachment(patient, at(2010, 12, 31, 23, 0))
    referral = old.attachment(patient, at(2014, 3, 3), kind=Attachment.Kind.REFERRAL)
    due = _due(world, D(2021, 1, 1))
    assert (due[xray.public_id].rule, due[xray.public_id].due_on) == (rules.XRAY.code, D(2021, 1, 1))
    # a referral without a visit: its service was at the latest the patient's newest entry (2020)
    assert referral.public_id not in due
    assert _due(world, D(2026, 1, 1))[referral.public_id].rule == rules.REFERRAL.code
    # the patient is not due while their documentation (2020) runs
    assert patient.subject_ref not in due
