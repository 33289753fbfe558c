"""A patient's personal fields move from ten encrypted columns to two sealed columns.

`personal` holds what lists and headers show (names, PESEL, birth date, sex, phone,
e-mail), `details` the rest (address, identity document). Each row is read with its old
per-field ciphertexts and written back as one AES-GCM message per sealed column under the
same subject key (crypto/sealed.py); going back writes each value into its own column
again, as EncryptedField.pre_save does.

A row whose key was shredded or erased cannot be sealed or unsealed. Its values must keep
reading as ERASED, not as empty, so an old ciphertext is copied as it is: it names the
destroyed key, and a value naming a destroyed key reads as ERASED before anything else
about it is checked (envelope.decrypt).
"""
from django.db import migrations, models
from django.db.models.functions import Coalesce

import klinika.crypto.fields
import klinika.crypto.sealed

MEMBERS = {
    "first_name": klinika.crypto.fields.EncryptedTextField(max_length=100, null=True, sealed_in="personal",
                                                           verbose_name="first name"),
    "last_name": klinika.crypto.fields.EncryptedTextField(max_length=150, null=True, sealed_in="personal",
                                                          verbose_name="last name"),
    "pesel": klinika.crypto.fields.EncryptedTextField(blank=True, max_length=11, null=True, sealed_in="personal",
                                                      verbose_name="PESEL"),
    "document_number": klinika.crypto.fields.EncryptedTextField(blank=True, max_length=40, null=True,
                                                                sealed_in="details", verbose_name="document number"),
    "document_country": klinika.crypto.fields.EncryptedTextField(blank=True, max_length=2, null=True,
                                                                 sealed_in="details", verbose_name="issuing country"),
    "birth_date": klinika.crypto.fields.EncryptedDateField(null=True, sealed_in="personal", verbose_name="birth date"),
    "sex": klinika.crypto.fields.EncryptedTextField(max_length=1, null=True, sealed_in="personal", verbose_name="sex"),
    "address": klinika.crypto.fields.EncryptedJSONField(blank=True, null=True, sealed_in="details",
                                                        verbose_name="address"),
    "phone": klinika.crypto.fields.EncryptedTextField(blank=True, max_length=30, null=True, sealed_in="personal",
                                                      verbose_name="phone"),
    "email": klinika.crypto.fields.EncryptedTextField(blank=True, max_length=254, null=True, sealed_in="personal",
                                                      verbose_name="e-mail"),
}
GROUPS = {
    "personal": klinika.crypto.sealed.SealedFields(null=True, verbose_name="personal data"),
    "details": klinika.crypto.sealed.SealedFields(null=True, verbose_name="address and identity document"),
}


def seal_existing_rows(apps, schema_editor):
    from klinika.crypto.envelope import aad_suffix
    from klinika.crypto.fields import ERASED
    from klinika.crypto.sealed import seal

    patient = apps.get_model("patients", "Patient")
    suffixes = {group: aad_suffix(patient._meta.db_table, group) for group in GROUPS}
    # For an erased row: any of its old ciphertexts, copied in SQL (see the module docstring).
    tombstone = Coalesce(*MEMBERS, output_field=models.BinaryField())
    for row in patient._base_manager.order_by("pk").iterator(chunk_size=500):
        values = {name: getattr(row, name) for name in MEMBERS}
        if any(value is ERASED for value in values.values()):
            patient._base_manager.filter(pk=row.pk).update(**dict.fromkeys(GROUPS, tombstone))
            continue
        sealed = {}
        for group, suffix in suffixes.items():
            payload = {name: field.to_json(values[name]) for name, field in MEMBERS.items()
                       if field.sealed_in == group and values[name] is not None}
            sealed[group] = seal(payload, row.clinic_id, row.subject_ref, suffix) if payload else None
        patient._base_manager.filter(pk=row.pk).update(**sealed)


def unseal_rows(apps, schema_editor):
    from klinika.crypto import envelope
    from klinika.crypto.fields import ERASED, Ciphertext

    patient = apps.get_model("patients", "Patient")
    # The historical SealedFields have no members: each loads as the decoded JSON object
    # (dates as ISO strings, which to_python parses) or as ERASED.
    fields = [patient._meta.get_field(name) for name in MEMBERS]
    rows = patient._base_manager.order_by("pk").values_list("pk", "clinic_id", "subject_ref", *GROUPS)
    for pk, clinic_id, subject_ref, *groups in rows.iterator(chunk_size=500):
        if any(group is ERASED for group in groups):
            erased = next(name for name, group in zip(GROUPS, groups) if group is ERASED)
            columns = {field.attname: models.F(erased) for field in fields}
        else:
            values = {}
            for group in groups:
                values.update(group or {})
            key = envelope.write_key(clinic_id, subject_ref)
            columns = {
                field.attname: Ciphertext(envelope.encrypt(field.to_bytes(field.to_python(values[field.name])),
                                                             key, field.aad_suffix))
                for field in fields if values.get(field.name) is not None
            }
        if columns:
            patient._base_manager.filter(pk=pk).update(**columns)


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0004_identifier_subject_ref"),
    ]

    operations = [
        *[migrations.AddField(model_name="patient", name=name, field=field) for name, field in GROUPS.items()],
        migrations.RunPython(seal_existing_rows, unseal_rows, elidable=False),
        *[migrations.RemoveField(model_name="patient", name=name) for name in MEMBERS],
        *[migrations.AddField(model_name="patient", name=name, field=field) for name, field in MEMBERS.items()],
    ]
