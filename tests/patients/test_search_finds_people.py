"""Real-world queries a registration desk types, each with the patients it must find (issue 11).

One table, one registry: diacritics, case, double-barrelled surnames, prefixes, swapped order,
first name with a birth date or year, phone with and without +48 and spaces, e-mail, PESEL with
one wrong digit. Runs on SQLite and on PostgreSQL (DATABASE_URL).
"""
import datetime

import pytest

from klinika.patients import services
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_id_card, make_passport, make_pesel

pytestmark = pytest.mark.django_db

PEOPLE = {
    "ciemiega": dict(first_name="Janina", last_name="Ciemięga", born=datetime.date(1950, 5, 6), sex="F",
                     phone="600 100 200", email=""),
    "wz": dict(first_name="Anna Maria", last_name="Wójcik-Żółkiewska", born=datetime.date(1985, 3, 2), sex="F",
               phone="+48 601 222 333", email="Anna.WZ@example.com"),
    "litwiniuk": dict(first_name="Paweł", last_name="Litwiniuk", born=datetime.date(1990, 11, 30), sex="M"),
    "kowalska80": dict(first_name="Anna", last_name="Kowalska", born=datetime.date(1980, 2, 3), sex="F"),
    "kowalska99": dict(first_name="Anna", last_name="Kowalska", born=datetime.date(1999, 9, 9), sex="F"),
    "kowalski": dict(first_name="Łukasz", last_name="Kowalski", born=datetime.date(1975, 7, 1), sex="M",
                     pesel="", document_type="id_card", document_number=make_id_card("ABC", "12345")),
    "lukasiewicz": dict(first_name="Żaneta", last_name="Łukasiewicz", born=datetime.date(2001, 1, 15), sex="F"),
    "nowak": dict(first_name="Stanisław", last_name="Nowak", born=datetime.date(1948, 12, 24), sex="M"),
    "nowakowska": dict(first_name="Zofia", last_name="Nowakowska", born=datetime.date(1960, 6, 6), sex="F"),
    "szczesny": dict(first_name="Grzegorz", last_name="Szczęsny", born=datetime.date(1970, 4, 4), sex="M"),
    "cruz": dict(first_name="Maria", last_name="de la Cruz", born=datetime.date(1990, 1, 1), sex="F", pesel="",
                 document_type="passport", document_country="PL", document_number=make_passport("CC", "999486")),
    "gasior": dict(first_name="Ewa", last_name="Gąsior-Nowak", born=datetime.date(1988, 8, 8), sex="F"),
    "koziol": dict(first_name="Jerzy", last_name="Kozioł", born=datetime.date(1955, 1, 1), sex="M"),
}


def _data(spec: dict) -> dict:
    spec = dict(spec)
    born, sex = spec.pop("born"), spec.pop("sex")
    data = {"phone": "", "email": "", "consent_sms": False, "preferred_channel": "none",
            "address": {"city": "Warszawa", "country": "PL"}}
    if spec.get("pesel", None) == "":
        data |= {"birth_date": born.isoformat(), "sex": sex}
    else:
        data["pesel"] = make_pesel(born, sex, serial=born.day * 7)
    return data | spec


@pytest.fixture
def registry(registrar, clinic):
    with clinic_context(clinic):
        return {key: services.register_patient(registrar, _data(spec), confirm_duplicates=True)
                for key, spec in PEOPLE.items()}


def _wrong_digit(pesel: str, position: int) -> str:
    return pesel[:position] + str((int(pesel[position]) + 3) % 10) + pesel[position + 1:]


# query -> the patients it must find, best first where the order matters ("*" = any order after).
TABLE = [
    # diacritics and case
    ("Ciemiega", ["ciemiega"]),
    ("ciemięga", ["ciemiega"]),
    ("CIEMIĘGA", ["ciemiega"]),
    ("Lukasiewicz", ["lukasiewicz"]),
    ("łukasiewicz żaneta", ["lukasiewicz"]),
    ("Lukasiewicz Zaneta", ["lukasiewicz"]),
    ("Szczesny", ["szczesny"]),
    ("szczęsny grzegorz 1970", ["szczesny"]),
    ("Koziol", ["koziol"]),
    ("KOZIOŁ Jerzy", ["koziol"]),
    # double-barrelled surnames
    ("wójcik", ["wz"]),
    ("Wojcik", ["wz"]),
    ("Żółkiewska", ["wz"]),
    ("zolkiewska", ["wz"]),
    ("Wójcik-Żółkiewska", ["wz"]),
    ("wojcik zolkiewska", ["wz"]),
    ("Wójcik-Żółkiewska Anna", ["wz"]),
    ("Anna Maria Wójcik-Żółkiewska", ["wz"]),
    ("Gasior", ["gasior"]),
    ("Nowak", ["nowak", "gasior", "nowakowska"]),  # exact first, then a part, then (a short word) a prefix
    ("de la Cruz", ["cruz"]),
    ("Cruz", ["cruz"]),
    ("Maria de la Cruz", ["cruz"]),
    # prefixes of at least 3 letters
    ("Litwin", ["litwiniuk"]),
    ("litw", ["litwiniuk"]),
    ("Lit", ["litwiniuk"]),
    ("Ciemieg", ["ciemiega"]),
    ("nowako", ["nowakowska"]),
    ("kowal", ["kowalska80", "kowalska99", "kowalski"]),
    ("Nowak Zofia", ["nowakowska"]),  # no Zofia Nowak: the Zofia whose surname begins so
    ("Li", []),  # two letters are not a prefix search
    # swapped order, first name, birth date or year
    ("Kowalska Anna", ["kowalska80", "kowalska99"]),
    ("Anna Kowalska", ["kowalska80", "kowalska99"]),
    ("kowalska anna 1980", ["kowalska80"]),
    ("Kowalska Anna 1999-09-09", ["kowalska99"]),
    ("Kowalska 09.09.1999", ["kowalska99"]),
    ("Anna Kowalska 1980-02-03", ["kowalska80"]),
    ("Kowalski Lukasz", ["kowalski"]),
    ("Łukasz Kowalski", ["kowalski"]),
    ("Litwiniuk Pawel", ["litwiniuk"]),
    ("Pawel Litwiniuk", ["litwiniuk"]),
    ("Kowalska Zofia", []),
    ("Kowalska 1970", []),
    ("Xyzabc", []),
    # phone and e-mail
    ("600100200", ["ciemiega"]),
    ("+48 600 100 200", ["ciemiega"]),
    ("600-100-200", ["ciemiega"]),
    ("48 601 222 333", ["wz"]),
    ("+48601222333", ["wz"]),
    ("601 222 333", ["wz"]),
    ("ANNA.WZ@EXAMPLE.COM", ["wz"]),
    # PESEL and documents
    ("{pesel:kowalska80}", ["kowalska80"]),
    ("{pesel_spaced:kowalska80}", ["kowalska80"]),
    ("{pesel_wrong_5:kowalska80}", ["kowalska80"]),
    ("{pesel_wrong_9:litwiniuk}", ["litwiniuk"]),
    ("{document_lower:kowalski}", ["kowalski"]),
]


def _query(template: str, registry) -> str:
    if not template.startswith("{"):
        return template
    how, who = template.strip("{}").split(":")
    patient = registry[who]
    if how == "pesel":
        return patient.pesel
    if how == "pesel_spaced":
        return f"{patient.pesel[:6]} {patient.pesel[6:]}"
    if how.startswith("pesel_wrong_"):
        return _wrong_digit(patient.pesel, int(how.rsplit("_", 1)[1]))
    return patient.document_number.lower()


def test_forty_real_world_queries_find_who_they_should(registry, registrar, clinic):
    assert len(TABLE) >= 40
    wrong = []
    with clinic_context(clinic):
        for template, expected in TABLE:
            query = _query(template, registry)
            hits = services.search_patients(registrar, query).hits
            found = [next(k for k, p in registry.items() if p.pk == hit.patient.pk) for hit in hits]
            order_matters = len({registry[k].last_name for k in expected}) > 1 and template not in ("kowal",)
            if (found if order_matters else sorted(found)) != (expected if order_matters else sorted(expected)):
                wrong.append(f"{template!r}: found {found}, expected {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("query, reasons", [
    ("Ciemięga", ["surname"]),
    ("Ciemiega", ["surname_folded"]),
    ("Żółkiewska", ["surname_part"]),
    ("Litwin", ["surname_prefix"]),
    ("Kowalska Anna 1980", ["surname", "first_name", "birth_year"]),
    ("Anna Kowalska 1980-02-03", ["surname", "first_name", "birth_date"]),
    ("+48 600 100 200", ["phone"]),
    ("{pesel_wrong_3:kowalska80}", ["pesel_near"]),
])
def test_each_result_says_why_it_matched(registry, registrar, clinic, query, reasons):
    with clinic_context(clinic):
        [hit] = services.search_patients(registrar, _query(query, registry)).hits
    assert hit.reasons == reasons
    assert all(hit.why)  # said in words


def test_reasons_are_said_in_polish(registry, registrar, clinic):
    from django.utils import translation

    with clinic_context(clinic), translation.override("pl"):
        [hit] = services.search_patients(registrar, "Ciemiega").hits
        assert hit.why == ["nazwisko, bez względu na wielkość liter i polskie znaki"]


def test_a_pesel_one_digit_off_is_a_suggestion_and_the_exact_one_comes_first(registry, registrar, clinic):
    pesel = registry["kowalska80"].pesel
    with clinic_context(clinic):
        near = services.search_patients(registrar, _wrong_digit(pesel, 7))
        exact = services.search_patients(registrar, pesel)
    assert [h.suggestion for h in near.hits] == [True]
    assert [h.suggestion for h in exact.hits] == [False]


def test_a_short_surname_keeps_every_exact_match_before_the_prefix_ones(clinic, registrar):
    """ "Pyc" and "Pyć" are one folded class; with many surnames beginning "Pyc" too, the list of 50
    still holds every "Pyc" (the typed spelling first), then "Pyć", and says there are more."""
    from klinika.audit.context import Actor
    from klinika.patients.services.bulk import import_patients
    from klinika.testdata.synth import generate_patients

    rows = [row for batch in generate_patients(90, seed=5, batch_size=90) for row in batch.rows()]
    for i, row in enumerate(rows):
        row["last_name"] = ["Pyć", "Pycowski" if row["sex"] == "M" else "Pycowska", "Pyc"][i % 3]
    result = import_patients(clinic, rows, actor=Actor(None, "importer"))
    typed = {result.ids[r["id"]] for r in rows if r["last_name"] == "Pyc"}
    with clinic_context(clinic):
        found = services.search_patients(registrar, "Pyc")
    assert len(typed) == 30 and {h.patient.pk for h in found.hits[:30]} == typed
    assert [h.reasons[0] for h in found.hits[30:]] == ["surname_folded"] * 20  # the list holds 50
    assert found.truncated
