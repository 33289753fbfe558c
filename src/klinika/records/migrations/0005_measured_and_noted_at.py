"""VitalSigns.recorded_at and Allergy.recorded_at: a default instead of auto_now_add, so imported history
keeps when it was measured or noted (records/services/bulk_clinical.py). A single save still stamps now.

State only, as in 0004: the column does not change (the default lives in Python), and SQLite does not
rebuild the tables.
"""
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0004_version_written_at'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='vitalsigns',
                name='recorded_at',
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            ),
            migrations.AlterField(
                model_name='allergy',
                name='recorded_at',
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            ),
        ]),
    ]
