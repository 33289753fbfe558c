"""Fields sealed in one column (Patient.personal) behave like fields: load, defer, save, erase."""
import re

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinika.crypto.errors import KeyDestroyed
from klinika.crypto.fields import ERASED
from klinika.lifecycle.services import erase_subject
from klinika.patients.models import Patient

pytestmark = pytest.mark.django_db

MEMBERS = ("first_name", "last_name", "pesel", "birth_date", "sex", "address", "phone", "email")


@pytest.fixture
def saved(in_clinic, people):
    data = people.patient()
    patient = Patient(**data)
    patient.save()
    return patient, data


def test_two_columns_hold_every_member(saved):
    patient, data = saved
    with CaptureQueriesContext(connection) as queries:
        loaded = Patient.objects.get(pk=patient.pk)
        values = {name: getattr(loaded, name) for name in MEMBERS}
    assert values == {name: data[name] for name in MEMBERS}
    assert len(queries) == 1
    sql = queries[0]["sql"]
    # The surname's blind-index columns are named after it; no column holds the surname itself.
    assert "personal" in sql and "details" in sql and "last_name" not in re.sub(r"last_name_\w*index", "", sql)


def test_only_a_member_loads_the_sealing_column_and_nothing_else(saved):
    patient, data = saved
    with CaptureQueriesContext(connection) as queries:
        loaded = Patient.objects.only("last_name", "pesel").get(pk=patient.pk)
        assert (loaded.last_name, loaded.pesel, loaded.phone) == (data["last_name"], data["pesel"], data["phone"])
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "personal" in sql and "details" not in sql and "consent_sms" not in sql


def test_a_deferred_member_is_loaded_with_one_query_on_first_read(saved):
    patient, data = saved
    loaded = Patient.objects.defer("last_name").get(pk=patient.pk)
    assert "personal" in loaded.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert loaded.last_name == data["last_name"] and loaded.first_name == data["first_name"]
    assert len(queries) == 1


def test_saving_one_member_keeps_the_others(saved):
    patient, data = saved
    patient.last_name = "Źdźbło-Nowak"
    patient.save(update_fields=["last_name"])
    loaded = Patient.objects.get(pk=patient.pk)
    assert loaded.last_name == "Źdźbło-Nowak"
    assert (loaded.first_name, loaded.pesel, loaded.birth_date) == (data["first_name"], data["pesel"],
                                                                    data["birth_date"])


def test_a_deferred_instance_saves_without_losing_members(saved):
    patient, data = saved
    loaded = Patient.objects.only("last_name").get(pk=patient.pk)
    loaded.phone = "600 100 200"
    loaded.save()
    again = Patient.objects.get(pk=patient.pk)
    assert (again.phone, again.last_name, again.email) == ("600 100 200", data["last_name"], data["email"])


def test_blind_indexes_follow_member_edits(saved):
    patient, _ = saved
    patient.last_name = "Brzęczyszczykiewicz"
    patient.save()
    assert list(Patient.objects.matching(last_name="brzęczyszczykiewicz")) == [patient]


def test_members_have_no_column_to_query(saved):
    for attempt in (lambda: Patient.objects.filter(last_name__isnull=True),
                    lambda: Patient.objects.values_list("last_name"),
                    lambda: Patient.objects.order_by("last_name")):
        with pytest.raises(FieldError):
            list(attempt())


def test_empty_members_store_nothing_until_one_is_set(in_clinic):
    patient = Patient(last_name="Nowak")
    assert patient.pesel is None and patient.personal["last_name"] == "Nowak"


def test_an_erased_subject_reads_as_erased_and_cannot_be_saved(saved, in_clinic):
    patient, _ = saved
    erase_subject(in_clinic, patient.subject_ref, "retention ended")
    from klinika.crypto import keystore

    keystore.forget_cached_keys()
    loaded = Patient.objects.get(pk=patient.pk)
    assert all(getattr(loaded, name) is ERASED for name in MEMBERS)
    with pytest.raises(KeyDestroyed):
        loaded.save()
