# Retention (lifecycle/retention/): the due queue, legal holds, the last daily scan.

import django.db.models.deletion
import django.db.models.manager
import klinika.crypto.fields
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lifecycle', '0001_initial'),
        ('tenancy', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LegalHold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('target', models.CharField(choices=[('patient', 'patient'), ('attachment', 'attachment')], max_length=10)),
                ('ref', models.UUIDField()),
                ('subject_ref', models.UUIDField(db_index=True)),
                ('reason', klinika.crypto.fields.EncryptedTextField(max_length=500, null=True)),
                ('placed_at', models.DateTimeField()),
                ('released_at', models.DateTimeField(blank=True, null=True)),
                ('release_reason', klinika.crypto.fields.EncryptedTextField(blank=True, max_length=500, null=True)),
                ('clinic', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.clinic')),
                ('placed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['clinic', 'released_at'], name='lifecycle_l_clinic__08efa3_idx')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_clinics', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='RetentionItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('patient', "patient's whole documentation"), ('xray', 'X-ray image'), ('referral', 'received referral or order')], max_length=10)),
                ('ref', models.UUIDField()),
                ('subject_ref', models.UUIDField(db_index=True)),
                ('rule', models.CharField(max_length=20)),
                ('due_on', models.DateField()),
                ('found_at', models.DateTimeField()),
                ('approved_at', models.DateTimeField(blank=True, null=True)),
                ('erased_at', models.DateTimeField(blank=True, null=True)),
                ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('clinic', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.clinic')),
            ],
            options={
                'indexes': [models.Index(fields=['clinic', 'erased_at', 'due_on'], name='lifecycle_r_clinic__65e8a5_idx')],
                'constraints': [models.UniqueConstraint(fields=('clinic', 'kind', 'ref'), name='one_retention_item_per_ref')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_clinics', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='RetentionScan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scanned_at', models.DateTimeField()),
                ('scanned_on', models.DateField()),
                ('due', models.PositiveIntegerField(default=0)),
                ('clinic', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.clinic')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('clinic',), name='one_retention_scan_per_clinic')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_clinics', django.db.models.manager.Manager()),
            ],
        ),
    ]
