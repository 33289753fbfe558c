"""EncounterVersion.created_at: a default instead of auto_now_add, so imported history keeps when it was written.

State only: the column does not change (the default lives in Python). A real AlterField would make
SQLite rebuild the table and lose the triggers that keep signed versions immutable (migration 0002).
"""
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0003_builtin_codes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='encounterversion',
                name='created_at',
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            ),
        ]),
    ]
