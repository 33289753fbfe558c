"""A search asks only the indexes the typed value can be, in as few queries as it can (issue 11)."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinika.patients import services
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(register):
    return register(first_name="Anna", last_name="Kowalska", pesel=make_pesel(datetime.date(1980, 2, 3), "F"))


def registry_reads(registrar, clinic, query):
    """The SELECTs on the patient and identifier tables a search makes (audit writes left out)."""
    with clinic_context(clinic), CaptureQueriesContext(connection) as captured:
        services.search_patients(registrar, query)
    # A read in chunks is a server-side cursor on PostgreSQL: DECLARE ... FOR SELECT.
    return [q["sql"] for q in captured
            if q["sql"].lstrip().upper().startswith(("SELECT", "DECLARE")) and '"patients_patient' in q["sql"]]


def test_a_found_pesel_costs_one_query_and_no_history_lookup(anna, registrar, clinic):
    [sql] = registry_reads(registrar, clinic, anna.pesel)
    where = sql.split("WHERE")[1]
    assert "pesel_index" in where and "document_index" in where and "last_name" not in where


def test_an_unknown_pesel_then_looks_up_the_history_and_the_near_pesels_once_each(anna, registrar, clinic):
    wrong = anna.pesel[:4] + str((int(anna.pesel[4]) + 1) % 10) + anna.pesel[5:]
    reads = registry_reads(registrar, clinic, wrong)
    assert len(reads) == 3
    assert '"patients_patientidentifier"' in reads[1] and "pesel_index" in reads[2]


@pytest.mark.parametrize("query", ["Kowalska", "Kowalska Anna", "Anna Kowalska 1980", "An Kowalska"])
def test_a_found_name_costs_one_query_whatever_the_splits(anna, registrar, clinic, query):
    [sql] = registry_reads(registrar, clinic, query)
    assert "last_name_index" in sql and "pesel_index" not in sql.split("WHERE")[1]


def test_a_prefix_costs_three_queries_and_never_asks_the_pesel(anna, registrar, clinic):
    reads = registry_reads(registrar, clinic, "Kowal An")
    assert len(reads) == 3 and "last_name_prefix_index" in reads[1]
    assert not any("pesel_index" in sql.split("WHERE")[1] for sql in reads)


@pytest.mark.parametrize("query", ["600 100 200", "anna@example.com"])
def test_a_phone_or_an_e_mail_costs_one_query(anna, registrar, clinic, query):
    [sql] = registry_reads(registrar, clinic, query)
    assert "pesel_index" not in sql.split("WHERE")[1] and "last_name_index" not in sql.split("WHERE")[1]


def test_a_short_word_alone_reads_exact_and_prefix_matches_in_one_query_then_loads_them(anna, registrar, clinic):
    reads = registry_reads(registrar, clinic, "Kowal")
    assert len(reads) == 2
    assert "last_name_prefix_index" in reads[0] and "last_name_index" in reads[0]
