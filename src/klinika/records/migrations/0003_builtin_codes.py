"""The built-in ICD-10 and ICD-9-PL lists (short names we wrote; WHO texts are not redistributable).

They have no clinic: every clinic sees them. A clinic's licensed dictionary (`klinika codes
load`) is added under that clinic only and never touches these rows.
"""
from django.db import migrations

from klinika.records.codefiles import ICD9PL, ICD10, builtin_rows, search_text


def load(apps, schema_editor):
    Code = apps.get_model("records", "Code")
    Code.objects.bulk_create(
        [Code(clinic=None, system=system, code=code, name=name, search_text=search_text(code, name))
         for system in (ICD10, ICD9PL) for code, name in builtin_rows(system)],
        batch_size=500,
    )


def unload(apps, schema_editor):
    apps.get_model("records", "Code").objects.filter(clinic__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0002_signed_versions_are_immutable")]

    operations = [migrations.RunPython(load, unload)]
