"""A slot held for a waitlist offer (status "held"), the weekday's name, and Appointment.outside_hours.

The column is added by hand: Django's AddField of a NOT NULL column makes SQLite rebuild the
table, which would drop the no-overlap triggers of migration 0003. SQLite and PostgreSQL both
add a NOT NULL column with a constant default in place. The choices are state only.
"""
from django.db import migrations, models

ADD = {
    "postgresql": "ALTER TABLE scheduling_appointment ADD COLUMN outside_hours boolean DEFAULT false NOT NULL",
    "sqlite": "ALTER TABLE scheduling_appointment ADD COLUMN outside_hours bool DEFAULT 0 NOT NULL",
}
DROP = "ALTER TABLE scheduling_appointment DROP COLUMN outside_hours"


def _add(apps, schema_editor):
    schema_editor.execute(ADD[schema_editor.connection.vendor])


def _drop(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0007_clinic_address_on_confirmations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_add, _drop)],
            state_operations=[
                migrations.AddField(
                    model_name='appointment',
                    name='outside_hours',
                    field=models.BooleanField(db_default=False, default=False,
                                              verbose_name='kept outside working hours'),
                ),
            ]),
        migrations.AlterField(
            model_name='appointment',
            name='status',
            field=models.CharField(choices=[('held', 'held for a waitlist offer'), ('booked', 'booked'),
                                            ('checked_in', 'checked in'), ('completed', 'completed'),
                                            ('no_show', 'no-show'), ('cancelled', 'cancelled')],
                                   default='booked', max_length=12),
        ),
        migrations.AlterField(
            model_name='weeklyavailability',
            name='weekday',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'),
                                                            (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'),
                                                            (6, 'Sunday')], verbose_name='weekday'),
        ),
    ]
