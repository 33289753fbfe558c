"""One search box: PESEL, documents, phone, e-mail, surname with first name and/or birth date."""
import datetime

import pytest

from klinika.patients import services
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_id_card, make_passport, make_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(register, clinic):
    anna = register(first_name="Anna Maria", last_name="Kowalska", pesel=make_pesel(datetime.date(1980, 2, 3), "F"),
                    phone="600 100 200", email="Anna.K@Example.com")
    lukasz = register(first_name="Łukasz", last_name="Kowalski", pesel="", document_type="id_card",
                      document_number=make_id_card("ABC", "12345"), birth_date="1975-07-01", sex="M",
                      phone="+48 601 200 300", email="")
    twin = register(first_name="Anna", last_name="Kowalska", pesel=make_pesel(datetime.date(1999, 9, 9), "F"),
                    phone="", email="", consent_sms=False, preferred_channel="none")
    foreigner = register(first_name="Maria", last_name="de la Cruz", pesel="", document_type="passport",
                         document_country="PL", document_number=make_passport("CC", "999486"),
                         birth_date="1990-01-01", sex="F", phone="+34 612 345 678", email="")
    return {"anna": anna, "lukasz": lukasz, "twin": twin, "foreigner": foreigner}


def _found(user, clinic, query):
    with clinic_context(clinic):
        result = services.search_patients(user, query)
    return result.kind, [hit.patient.pk for hit in result.hits]


@pytest.mark.parametrize("query, kind, who", [
    ("{anna_pesel}", "pesel", ["anna"]),
    ("{anna_pesel_spaced}", "pesel", ["anna"]),
    ("abc 812345", "document", []),
    ("{lukasz_card_lower}", "document", ["lukasz"]),
    ("{passport}", "document", ["foreigner"]),
    ("600100200", "phone", ["anna"]),
    ("+48 600-100-200", "phone", ["anna"]),
    ("601 200 300", "phone", ["lukasz"]),
    ("+34 612 345 678", "phone", ["foreigner"]),
    ("anna.k@example.COM", "email", ["anna"]),
    ("kowalska", "name", ["anna", "twin"]),
    ("Kowalska Anna", "name", ["anna", "twin"]),
    ("Anna Kowalska", "name", ["anna", "twin"]),
    ("Kowalska Maria", "name", ["anna"]),
    ("Kowalska An 1999-09-09", "name", ["twin"]),
    ("kowalska 03.02.1980", "name", ["anna"]),
    ("Kowalski lukasz", "name", ["lukasz"]),
    ("de la cruz", "name", ["foreigner"]),
    ("Maria de la Cruz", "name", ["foreigner"]),
    ("Kowal", "name", ["anna", "lukasz", "twin"]),  # surnames beginning with it (issue 11)
    ("Nowak", "name", []),
])
def test_each_key_finds_who_it_should(people, registrar, clinic, query, kind, who):
    query = query.format(
        anna_pesel=people["anna"].pesel, anna_pesel_spaced=f"{people['anna'].pesel[:5]} {people['anna'].pesel[5:]}",
        lukasz_card_lower=people["lukasz"].document_number.lower(), passport=people["foreigner"].document_number)
    found_kind, found = _found(registrar, clinic, query)
    assert found_kind == kind
    assert sorted(found) == sorted(people[name].pk for name in who)


def test_a_birth_date_alone_asks_for_the_surname(people, registrar, clinic):
    with clinic_context(clinic):
        result = services.search_patients(registrar, "1980-02-03")
    assert result.hits == [] and result.hint


def test_an_empty_query_searches_nothing(registrar, clinic):
    with clinic_context(clinic):
        result = services.search_patients(registrar, "   ")
    assert (result.kind, result.hits) == ("", [])


def test_a_doctor_and_a_nurse_may_search_but_a_dpo_may_not(people, staff, clinic):
    from django.core.exceptions import PermissionDenied

    assert _found(staff["doctor"], clinic, "Kowalska")[1]
    assert _found(staff["nurse"], clinic, "Kowalska")[1]
    with pytest.raises(PermissionDenied):
        _found(staff["dpo"], clinic, "Kowalska")
