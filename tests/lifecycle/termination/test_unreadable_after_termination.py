"""After the termination no value of the clinic decrypts from copies taken before: a copy of the clinic
database read with the live keystore, nor a test environment's copy (that database copy together with a
keystore backup of the same day) once the root key generation that wrapped the clinic's KEK is destroyed.
Another clinic's values in the same copies still read."""
import datetime

import pytest
from django.db import connection

from klinika.crypto import envelope, keystore
from klinika.crypto.errors import KlinikaCryptoError
from klinika.crypto.fields import EncryptedField
from klinika.crypto.keystore import destroy_due_root_generations
from klinika.crypto.models import DataKey, KeyEncryptionKey
from klinika.lifecycle.termination import services
from klinika.lifecycle.termination.services import removal

pytestmark = pytest.mark.django_db

KEYSTORE = "keystore"


def ciphertexts(clinic) -> list[tuple[str, str, bytes]]:
    """Every encrypted value of the clinic as stored: what a database copy or a backup holds."""
    found = []
    for table in removal.plan():
        if table.parent is not None:
            continue
        columns = [f.column for f in table.model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if not columns:
            continue
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table.name)} WHERE clinic_id = %s",
                           [clinic.pk.hex if connection.vendor == "sqlite" else clinic.pk])
            for row in cursor.fetchall():
                found += [(table.name, column, bytes(value)) for column, value in zip(columns, row, strict=True)
                          if value is not None and len(value)]
    return found


def readable(values) -> int:
    keystore.forget_cached_keys()
    count = 0
    for table, column, blob in values:
        try:
            envelope.decrypt(blob, envelope.aad_suffix(table, column))
            count += 1
        except KlinikaCryptoError:
            pass
    return count


def keystore_backup(clinic) -> list[tuple[type, dict]]:
    return [(model, row) for model in (KeyEncryptionKey, DataKey)
            for row in model.objects.using(KEYSTORE).filter(clinic_id=clinic.pk).values()]


def restore(backup) -> None:
    """Put the keystore backup's rows of the clinic back, as a test environment loaded from it would hold them."""
    for model, row in backup:
        model.objects.using(KEYSTORE).filter(pk=row["key_id"]).update(
            **{k: v for k, v in row.items() if k != "key_id"})


def test_no_value_decrypts_from_copies_taken_before(synth_clinic, acknowledged, settings):
    settings.KLINIKA_TERMINATION_GRACE_DAYS = 0
    gone, other = synth_clinic("konczaca"), synth_clinic("trwajaca", seed=2)
    database_copy, other_copy = ciphertexts(gone), ciphertexts(other)
    backup = keystore_backup(gone)
    tables = {table for table, _column, _blob in database_copy}
    assert {"patients_patient", "records_encounterversion", "accounts_staffmember"} <= tables
    assert readable(database_copy) == len(database_copy) and readable(other_copy) == len(other_copy)

    acknowledged(gone)
    termination = services.advance(gone)

    assert readable(database_copy) == 0  # the copy, against the keystore as it is now
    assert readable(other_copy) == len(other_copy)

    # a test environment's copy: the same database copy with the keystore backup of that day. Until root
    # generation N is destroyed it still opens (what the certificate's second statement is about) ...
    after = keystore_backup(gone)
    restore(backup)
    assert readable(database_copy) == len(database_copy)
    restore(after)
    # ... and once it is destroyed, nothing of the clinic opens from it
    destroyed = destroy_due_root_generations(now=termination.root_destroy_after + datetime.timedelta(days=1))
    assert termination.root_generation in destroyed
    restore(backup)
    assert readable(database_copy) == 0
    assert readable(other_copy) == len(other_copy)
