"""The "imported" status: a document issued outside klinika and imported as history (services/bulk.py).

State only: choices live in Python, and SQLite must not rebuild the tables (that would drop the
triggers of 0003 that keep an issued document's content fixed).
"""
from django.db import migrations, models

CHOICES = [('draft', 'draft'), ('signed', 'signed'), ('submitted', 'submitted'), ('rejected', 'rejected'),
           ('cancelled', 'cancelled'), ('imported', 'imported')]


class Migration(migrations.Migration):

    dependencies = [
        ('edocs', '0005_builtin_drugs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(model_name=model, name='status',
                                  field=models.CharField(choices=CHOICES, default='draft', max_length=10))
            for model in ('prescription', 'referral', 'sickleave')
        ]),
    ]
