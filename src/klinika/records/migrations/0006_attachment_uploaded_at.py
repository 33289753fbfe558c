"""Attachment.uploaded_at: a default instead of auto_now_add, so an imported attachment (a handover
import, records/services/attachments.py import_attachment) keeps when it was uploaded. A single upload
still stamps now. State only, as in 0005: the column does not change.
"""
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0005_measured_and_noted_at'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='attachment',
                name='uploaded_at',
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            ),
        ]),
    ]
