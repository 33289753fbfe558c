"""Authenticator secrets move from django-otp's otp_totp table (plaintext hex) to accounts.TOTPDevice (encrypted).

Each row of `otp_totp_totpdevice` is copied with its secret encrypted under its login's
clinic data key (the vendor's for a vendor operator), keeping its counters (drift, last_t,
throttling), so nobody enrols again. The old table is then dropped and otp_totp's
migration records removed (the app is no longer installed): SQLite runs with
secure_delete, so the dropped pages are zeroed, and nothing of the old secrets stays in a
later copy or dump of the database.

A login whose clinic's keys were shredded cannot log in any more; its secret is not copied.
Sessions verified with an old device are no longer verified: their users log in again.
"""
import datetime

from django.db import migrations
from django.utils.dateparse import parse_datetime

OLD_TABLE = "otp_totp_totpdevice"
# Copied as they are (otp_totp 0003); a column missing from an older otp_totp is left at its default.
COPIED = ["name", "confirmed", "step", "t0", "digits", "tolerance", "drift", "last_t",
          "throttling_failure_timestamp", "throttling_failure_count", "created_at", "last_used_at"]


TIMES = ("throttling_failure_timestamp", "created_at", "last_used_at")


def _aware(value):
    """A raw SQLite read gives a naive UTC datetime (or its text); PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def encrypt_plaintext_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.alias != "default" or OLD_TABLE not in connection.introspection.table_names():
        return
    from klinika.accounts.models import totp_key_owner
    from klinika.crypto import envelope
    from klinika.crypto.errors import KeyDestroyed, KeyNotFound
    from klinika.crypto.fields import Ciphertext

    device_model = apps.get_model("accounts", "TOTPDevice")
    user_model = apps.get_model("accounts", "User")
    suffix = envelope.aad_suffix(device_model._meta.db_table, "key")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        present = {c.name for c in connection.introspection.get_table_description(cursor, OLD_TABLE)}
        columns = ["user_id", "key", *[c for c in COPIED if c in present]]
        cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(OLD_TABLE)} ORDER BY id")
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    clinics = dict(user_model._base_manager.values_list("pk", "clinic_id"))
    for row in rows:
        user_id, key = row.pop("user_id"), row.pop("key")
        row.update({name: _aware(row[name]) for name in TIMES if name in row})
        if user_id not in clinics:
            continue
        try:
            owner = totp_key_owner(clinics[user_id])
            ciphertext = envelope.encrypt(key.encode(), envelope.write_key(owner, None), suffix)
        except (KeyDestroyed, KeyNotFound):
            continue
        device = device_model._base_manager.create(user_id=user_id, name=row["name"], key=None)
        # update(), not create(): created_at keeps its old value (auto_now_add would replace it)
        device_model._base_manager.filter(pk=device.pk).update(key=Ciphertext(ciphertext), **row)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {quote(OLD_TABLE)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["otp_totp"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_totpdevice"),
    ]

    operations = [
        migrations.RunPython(encrypt_plaintext_keys, migrations.RunPython.noop, elidable=False),
    ]
