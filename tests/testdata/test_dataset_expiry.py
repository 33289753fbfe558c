"""A test environment whose dataset key expired cannot read its data: the environment key is
destroyed, the clinic crypto-shredded, the staged copy removed; even before the expiry round runs,
a key past its date is not handed out."""
import datetime

import pytest
from django.core.management import call_command

from klinika.crypto.errors import KeyDestroyed
from klinika.crypto.fields import ERASED
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic
from klinika.testdata.datasets import services
from klinika.testdata.models import DatasetProvenance
from tests.testdata.dataset_support import factory, make_dataset

pytestmark = pytest.mark.django_db


def test_an_expired_environment_cannot_read_its_data(settings, tmp_path, people, capsys):
    signer = factory(settings)
    loaded = services.load_dataset(make_dataset(tmp_path / "ds", signer), slug="zbior")
    with clinic_context(loaded.clinic):  # what the importer will write from the staged files
        patient = Patient(**people.patient())
        patient.save()
    with clinic_context(loaded.clinic):
        after = DatasetProvenance.objects.get().expires_at + datetime.timedelta(seconds=1)

    with pytest.raises(KeyDestroyed, match="expired"):  # past its date, before any round destroyed it
        b"".join(loaded.chunks("notes.bin", now=after))
    assert services.expire_datasets(now=datetime.datetime.now(datetime.UTC)) == []  # not due yet

    gone = services.expire_datasets(now=after)
    assert [(g.slug, g.dataset_id) for g in gone] == [("zbior", loaded.dataset_id)]
    with pytest.raises(KeyDestroyed):
        loaded.read("notes.bin")
    assert not loaded.path.exists()
    clinic = Clinic.objects.get(pk=loaded.clinic.pk)
    assert clinic.status == Clinic.Status.TERMINATED
    with clinic_context(clinic):
        assert Patient.objects.get(pk=patient.pk).last_name is ERASED
    assert services.unsafe_clinics(now=after) == []  # shredded: nothing left to refuse
    assert services.expire_datasets(now=after) == []  # once
    assert [s.state for s in services.status(now=after)] == ["expired"]


def test_testenv_status_and_expire_commands(settings, tmp_path, capsys):
    signer = factory(settings)
    made = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=29, hours=23, minutes=59, seconds=58)
    loaded = services.load_dataset(make_dataset(tmp_path / "ds", signer, now=made), slug="zbior")
    call_command("testenv", "status")
    out = capsys.readouterr().out
    assert f"zbior: synthetic dataset {loaded.dataset_id}, expires" in out and "0 day(s) left, loaded" in out
    import time

    time.sleep(2.5)
    call_command("testenv", "expire")
    out = capsys.readouterr().out
    assert f"zbior: dataset {loaded.dataset_id} expired" in out and "1 dataset(s) expired" in out
    with pytest.raises(KeyDestroyed):
        loaded.read("notes.bin")
    call_command("testenv", "status")
    assert "zbior: synthetic dataset" in capsys.readouterr().out
