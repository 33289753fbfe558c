"""Search indexes of the surname: the whole surname now case- and diacritics-folded, each end of a
surname of several words, and a truncated index of its first three letters (patients/search.py,
docs/search-index-leakage.md).

Existing rows get them here, computed from the decrypted surname under the clinic's current index
key exactly as BlindIndexField computes them (same labels, normalisers and truncation). A row whose
key was erased keeps no index. Going back recomputes the whole-surname index the old way.
"""
import klinika.crypto.fields
from django.db import migrations

TABLE = "patients_patient"
# field name -> (normaliser, HMAC label, bits); frozen here as BlindIndexField computes them today.
NEW = {
    "last_name_index": ("normalise_name", f"{TABLE}.last_name", None),
    "last_name_first_part_index": ("normalise_first_part", f"{TABLE}.last_name.name_first_part", None),
    "last_name_last_part_index": ("normalise_last_part", f"{TABLE}.last_name.name_last_part", None),
    "last_name_prefix_index": ("normalise_prefix", f"{TABLE}.last_name.name_prefix", 6),
}
OLD = {"last_name_index": ("normalise_text", f"{TABLE}.last_name", None)}


def _fill(apps, indexes):
    from klinika.crypto import blind

    patient = apps.get_model("patients", "Patient")
    rows = patient._base_manager.order_by("pk").values_list("pk", "clinic_id", "personal")
    for pk, clinic_id, personal in rows.iterator(chunk_size=500):
        surname = personal.get("last_name") if isinstance(personal, dict) else None
        if not isinstance(surname, str):
            continue  # erased (its indexes were dropped with its key) or never had one
        columns = {}
        for name, (normaliser, label, bits) in indexes.items():
            normalised = getattr(blind, normaliser)(surname)
            token = blind.compute(clinic_id, label, normalised) if normalised else None
            columns[name] = blind.truncate(token, bits) if token is not None and bits else token
        patient._base_manager.filter(pk=pk).update(**columns)


def fill_search_indexes(apps, schema_editor):
    _fill(apps, NEW)


def restore_old_index(apps, schema_editor):
    _fill(apps, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0007_one_pesel_one_patient'),
    ]

    operations = [
        migrations.AddField(
            model_name='patient',
            name='last_name_first_part_index',
            field=klinika.crypto.fields.BlindIndexField(normaliser='name_first_part', source='last_name'),
        ),
        migrations.AddField(
            model_name='patient',
            name='last_name_last_part_index',
            field=klinika.crypto.fields.BlindIndexField(normaliser='name_last_part', source='last_name'),
        ),
        migrations.AddField(
            model_name='patient',
            name='last_name_prefix_index',
            field=klinika.crypto.fields.BlindIndexField(bits=6, normaliser='name_prefix', source='last_name'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='last_name_index',
            field=klinika.crypto.fields.BlindIndexField(normaliser='name', source='last_name'),
        ),
        migrations.RunPython(fill_search_indexes, restore_old_index, elidable=False),
    ]
