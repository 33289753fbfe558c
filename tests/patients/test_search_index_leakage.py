"""The surname search indexes leak no more than docs/search-index-leakage.md says, and follow the
patient through bulk import, index-key rotation and crypto-erasure.

- No plaintext of any index value (the folded surname, each of its parts, its three-letter
  prefix) is in the database: the raw bytes of the SQLite database, or a pg_dump of the test
  database on PostgreSQL, are searched for it, raw and as hex; and no index column holds it.
- In a clinic of 10,000 patients each value of the prefix index is shared by several patients
  (computed by the production field for 10,000 realistic surnames under a real clinic key).
"""
import collections
import datetime
import os
import subprocess

import pytest
from django.db import connection

from klinika.crypto import blind
from klinika.lifecycle.services import erase_subject, rotate_index_key
from klinika.patients import services
from klinika.patients.models import SURNAME_PREFIX_BITS, Patient
from klinika.tenancy.context import clinic_context

SURNAMES = ["Ciemięga", "Wójcik-Żółkiewska", "Litwiniuk", "Szczęsny", "Gąsior-Nowakowska"]
SEARCH_COLUMNS = ["last_name_index", "last_name_first_part_index", "last_name_last_part_index",
                  "last_name_prefix_index"]


def _plaintexts(surname: str) -> set[str]:
    """Every value an index of this surname is computed from."""
    return {v for v in (blind.normalise_name(surname), blind.normalise_first_part(surname),
                        blind.normalise_last_part(surname), blind.normalise_prefix(surname), surname.casefold(),
                        *blind.name_parts(surname)) if v}


def _database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        return connection.connection.serialize()  # the whole database file, also for an in-memory one
    settings = connection.settings_dict
    env = os.environ | {"PGPASSWORD": settings["PASSWORD"] or ""}
    dump = subprocess.run(["pg_dump", "--data-only", "-h", settings["HOST"] or "localhost", "-p",
                           str(settings["PORT"] or 5432), "-U", settings["USER"], settings["NAME"]],
                          env=env, capture_output=True, check=True, timeout=120)
    return dump.stdout


@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump sees the rows
def test_no_plaintext_of_any_search_index_value_at_rest(clinic, registrar):
    from tests.patients.factories import adult, make_pesel

    with clinic_context(clinic):
        patients = [services.register_patient(registrar, adult(last_name=s, first_name="Ola",
                                                                          pesel=make_pesel(datetime.date(1985, 3, 4),
                                                                                           serial=100 + n)),
                                              confirm_duplicates=True) for n, s in enumerate(SURNAMES)]
    data = _database_bytes()
    assert clinic.name.encode() in data  # the scan reads the rows: the clinic's name is stored in plain text
    for surname in SURNAMES:
        for value in _plaintexts(surname):
            raw = value.encode()
            if len(raw) >= 6:  # shorter strings occur by chance in 100 kB of ciphertext and code lists
                assert raw not in data, f"{value!r} is stored in plain text"
                assert raw.hex().encode() not in data.lower(), f"{value!r} is stored in plain text (hex)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(SEARCH_COLUMNS)} FROM patients_patient")
        stored = [bytes(v) for row in cursor.fetchall() for v in row if v is not None]
    assert len(stored) >= 2 * len(patients)
    for surname in SURNAMES:
        for value in _plaintexts(surname):
            assert not any(value.encode() in column for column in stored), f"an index holds {value!r}"
    # And the prefix index is as short as its bits say.
    prefix = {bytes(v) for v in Patient._base_manager.values_list("last_name_prefix_index", flat=True)}
    assert {len(v) for v in prefix} == {1} and all(v[0] & (0xFF >> SURNAME_PREFIX_BITS) == 0 for v in prefix)


@pytest.mark.django_db
def test_each_prefix_index_value_is_shared_by_several_patients_of_a_10k_clinic(clinic):
    """Surnames drawn from Faker's Polish lists (about 1,050 distinct three-letter prefixes among
    10,000 people; a real registry has far more), indexed by the production field."""
    from faker import Faker

    fake = Faker("pl_PL")
    fake.seed_instance(11)
    surnames = [fake.last_name() for _ in range(10_000)]
    field = Patient._meta.get_field("last_name_prefix_index")
    with clinic_context(clinic):
        tokens = [field.token(clinic.pk, s) for s in surnames]
    patients = collections.Counter(tokens)
    prefixes = collections.defaultdict(set)
    for surname, token in zip(surnames, tokens, strict=True):
        prefixes[token].add(blind.normalise_prefix(surname))
    assert len(patients) <= 2 ** SURNAME_PREFIX_BITS
    assert min(patients.values()) >= 5, sorted(patients.values())[:5]
    assert min(len(p) for p in prefixes.values()) >= 3  # each value stands for several prefixes
    # Whereas the untruncated prefix would single people out.
    untruncated = collections.Counter(blind.normalise_prefix(s) for s in surnames)
    assert min(untruncated.values()) == 1


@pytest.mark.django_db
def test_rotation_recomputes_and_erasure_clears_the_search_indexes(clinic, registrar, settings):
    from tests.patients.factories import adult

    settings.KLINIKA_KEY_REVOCATION_SECONDS = 0.01
    with clinic_context(clinic):
        patient = services.register_patient(registrar, adult(last_name="Wójcik-Żółkiewska"), confirm_duplicates=True)
        before = Patient.objects.filter(pk=patient.pk).values_list(*SEARCH_COLUMNS).get()
    assert all(before)
    rotate_index_key(clinic)
    with clinic_context(clinic):
        after = Patient.objects.filter(pk=patient.pk).values_list(*SEARCH_COLUMNS).get()
        assert all(a != b for a, b in zip(after[:3], before[:3], strict=True))  # 16-byte HMACs: always differ
        for query in ("wojcik", "Żółkiewska", "Wójcik-Żółkiewska", "Wójc"):
            assert [h.patient.pk for h in services.search_patients(registrar, query).hits] == [patient.pk], query
    erase_subject(clinic, patient.subject_ref, "test")
    with clinic_context(clinic):
        assert Patient.objects.filter(pk=patient.pk).values_list(*SEARCH_COLUMNS).get() == (None,) * 4


@pytest.mark.django_db
def test_bulk_imported_patients_are_found_by_part_and_prefix(clinic, registrar):
    from klinika.audit.context import Actor
    from klinika.patients.services.bulk import import_patients
    from klinika.testdata.synth import generate_patients

    rows = [row for batch in generate_patients(60, seed=3, batch_size=60) for row in batch.rows()]
    rows[0]["last_name"] = "Wójcik-Żółkiewska"
    result = import_patients(clinic, rows, actor=Actor(None, "importer"))
    with clinic_context(clinic):
        for query in ("zolkiewska", "Wójcik", "Wójc"):
            assert result.ids[rows[0]["id"]] in [h.patient.pk for h in services.search_patients(registrar, query).hits]
