"""The migration that moves django-otp's plaintext TOTP secrets into klinika's encrypted devices.

An install from before it has otp_totp's table with hex secrets in the clear. The test
builds that table as otp_totp 0003 left it, fills it with plaintext rows (a clinic
doctor's, a vendor operator's), runs the migration's function and checks that the
devices carry on (same secret, same counters, the next code verifies, an old code does
not), that their secrets are stored encrypted, and that the old table is gone.
"""
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django_otp.util import random_hex

from klinika.accounts.models import TOTPDevice
from klinika.accounts.roles import Role
from klinika.audit.services import VENDOR_KEY_OWNER
from klinika.crypto import envelope
from tests.accounts.logins import totp_code

pytestmark = pytest.mark.django_db

migration = importlib.import_module("klinika.accounts.migrations.0005_encrypt_totp_keys")

OLD_TABLE_SQL = """CREATE TABLE otp_totp_totpdevice (
    id integer PRIMARY KEY, name varchar(64) NOT NULL, confirmed boolean NOT NULL, key varchar(80) NOT NULL,
    step smallint NOT NULL, t0 bigint NOT NULL, digits smallint NOT NULL, tolerance smallint NOT NULL,
    drift smallint NOT NULL, last_t bigint NOT NULL, throttling_failure_timestamp timestamp with time zone NULL,
    throttling_failure_count integer NOT NULL, created_at timestamp with time zone NULL,
    last_used_at timestamp with time zone NULL, user_id bigint NOT NULL)"""


def _old_rows(*rows):
    with connection.cursor() as cursor:
        cursor.execute(OLD_TABLE_SQL)
        for n, (user, key, last_t, drift, confirmed) in enumerate(rows, start=1):
            cursor.execute(
                "INSERT INTO otp_totp_totpdevice (id, name, confirmed, key, step, t0, digits, tolerance, drift, "
                "last_t, throttling_failure_count, created_at, user_id) "
                "VALUES (%s, %s, %s, %s, 30, 0, 6, 1, %s, %s, 0, '2026-01-02 03:04:05+00', %s)",
                [n, f"phone {n}", confirmed, key, drift, last_t, user.pk])


def _stored_key(device) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        return bytes(cursor.fetchone()[0])


def test_plaintext_secrets_become_encrypted_devices_that_keep_working(make_user, clinic):
    doctor = make_user(Role.DOCTOR, clinic=clinic)
    operator = make_user(Role.VENDOR_OPERATOR)
    doctor_key, operator_key = random_hex(20), random_hex(20)
    _old_rows((doctor, doctor_key, 5, 1, True), (operator, operator_key, -1, 0, False))

    migration.encrypt_plaintext_keys(apps, connection.schema_editor())

    assert "otp_totp_totpdevice" not in connection.introspection.table_names()
    mine = TOTPDevice.objects.get(user=doctor)
    theirs = TOTPDevice.objects.get(user=operator)
    assert (mine.key, mine.name, mine.confirmed, mine.last_t, mine.drift) == (doctor_key, "phone 1", True, 5, 1)
    assert (theirs.key, theirs.confirmed) == (operator_key, False)
    assert mine.created_at.year == 2026 and mine.created_at.month == 1

    for device, owner in ((mine, clinic.pk), (theirs, VENDOR_KEY_OWNER)):
        stored = _stored_key(device)
        assert device.key.encode() not in stored and bytes.fromhex(device.key) not in stored
        key = envelope.keystore.key_by_raw_id(stored[1:17])
        assert key.clinic_id == owner and key.purpose == "dek"

    assert mine.verify_token(totp_code(mine))
    assert not mine.verify_token(totp_code(mine))  # a code is accepted once (last_t came along)


def test_a_database_without_the_old_table_is_left_alone(doctor):
    device = TOTPDevice.objects.create(user=doctor, name="phone", confirmed=True)
    migration.encrypt_plaintext_keys(apps, connection.schema_editor())
    assert list(TOTPDevice.objects.values_list("pk", flat=True)) == [device.pk]
