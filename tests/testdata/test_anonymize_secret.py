"""The run's HMAC secret is destroyed when the run ends, whether it produced a dataset or was
refused: its bytes are overwritten and the object refuses every further use."""
import pytest

from klinika.testdata.anonymize import IdentifiersSurvived, RunSecret, SecretDestroyed, anonymize
from tests.testdata.anonymize_support import REFERENCE_DATE, anonymized, clinic


def test_the_secret_is_destroyed_after_a_run():
    _records, _report, secret = anonymized()
    assert secret.destroyed
    with pytest.raises(SecretDestroyed):
        secret.digest("pesel", "anything")


def test_destroy_overwrites_the_key_in_place():
    secret = RunSecret()
    buffer = secret._key
    assert any(buffer)
    secret.destroy()
    assert bytes(buffer) == bytes(32)
    with pytest.raises(SecretDestroyed):
        secret.number("offset", "patient:1")


def test_the_secret_is_destroyed_when_the_run_is_refused():
    source = clinic()
    staff = [dict(source["staff"][0], title=source["patients"][0]["pesel"])]  # copied as is: a survivor
    secret = RunSecret()
    with pytest.raises(IdentifiersSurvived):
        anonymize(source["patients"][:40], [], [], staff, today=REFERENCE_DATE, secret=secret)
    assert secret.destroyed
