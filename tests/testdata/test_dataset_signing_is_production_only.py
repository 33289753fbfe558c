"""Only production signs datasets (the data factory's key lives in its keystore); only a
non-production instance loads them, and never with the root key of the production that signed."""
import pytest
from django.core.management import CommandError, call_command

from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetRefused, b64
from tests.testdata.dataset_support import make_dataset

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("env", ["staging", "test", "dev"])
def test_signing_refuses_outside_production(settings, env):
    settings.KLINIKA_ENV = env
    with pytest.raises(services.NotProduction, match=f"only an instance with KLINIKA_ENV=production.*{env}"):
        services.factory_signer()
    with pytest.raises(CommandError, match="needs the production data factory's key"):
        call_command("testenv", "factory-key")


def test_production_signs_and_refuses_to_load(settings, tmp_path, capsys):
    settings.KLINIKA_ENV = "test"
    recipient = services.new_recipient_key()
    settings.KLINIKA_ENV = "production"
    signer = services.factory_signer()
    call_command("testenv", "factory-key")
    public = capsys.readouterr().out.strip()
    assert public == b64(services.factory_public_key()) == b64(signer.private_key.public_key().public_bytes_raw())
    path = make_dataset(tmp_path / "ds", signer, recipient=recipient)
    with pytest.raises(services.NotProduction, match="production loads no test datasets"):
        services.load_dataset(path)

    # this process's root key is the one production signed with: refused as a production root key
    settings.KLINIKA_ENV, settings.KLINIKA_DATASET_FACTORY_KEYS = "test", public
    with pytest.raises(DatasetRefused, match="Production root key"):
        services.load_dataset(path)
