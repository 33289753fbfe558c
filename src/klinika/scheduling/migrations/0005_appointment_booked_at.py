"""Appointment.created_at: a default instead of auto_now_add, so imported history keeps its booking moments.

State only: the column does not change (the default lives in Python). A real AlterField would make
SQLite rebuild the table and lose the no-overlap triggers of migration 0003.
"""
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0004_waitlist_offer'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='appointment',
                name='created_at',
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            ),
        ]),
    ]
