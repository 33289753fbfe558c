"""One PESEL, one patient: a unique constraint on the PESEL's blind index for live patients.

Records that shared a PESEL before the rule cannot be told apart here (the database holds only
ciphertext and blind indexes): the oldest keeps the PESEL as its own, each later one is marked
"legacy" shared, so the constraint can be created and a clinic admin reviews them (merge,
correct, or confirm with the registry). Nothing is decrypted: this compares blind indexes only.
"""
from django.db import migrations, models
from django.db.models import Count


def mark_legacy_duplicates(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    rows = Patient._base_manager.filter(is_active=True, merged_into__isnull=True, pesel_is_mothers=False,
                                        pesel_index__isnull=False)
    shared = (rows.values("clinic_id", "pesel_index").annotate(n=Count("id")).filter(n__gt=1))
    for group in shared:
        holders = list(rows.filter(clinic_id=group["clinic_id"], pesel_index=group["pesel_index"])
                       .order_by("created_at", "pk").values_list("pk", flat=True))
        Patient._base_manager.filter(pk__in=holders[1:]).update(pesel_shared="legacy")


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0006_death_date_and_cause'),
        ('tenancy', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='patient',
            name='pesel_shared',
            field=models.CharField(blank=True, choices=[('registry_confirmed', 'the PESEL registry confirmed this number was issued to two people'), ('new_pesel_pending', 'confirmed by the registry; a new PESEL is being issued'), ('legacy', 'shared before one PESEL, one patient was enforced: to be reviewed')], default='', max_length=20, verbose_name='shared PESEL'),
        ),
        migrations.RunPython(mark_legacy_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='patient',
            constraint=models.UniqueConstraint(condition=models.Q(('is_active', True), ('merged_into__isnull', True), ('pesel_index__isnull', False), ('pesel_is_mothers', False), ('pesel_shared', '')), fields=('clinic', 'pesel_index'), name='patients_one_live_patient_per_pesel'),
        ),
        migrations.AddConstraint(
            model_name='patient',
            constraint=models.CheckConstraint(condition=models.Q(('pesel_is_mothers', False), ('pesel_shared', ''), _connector='OR'), name='patients_shared_pesel_is_own'),
        ),
    ]
