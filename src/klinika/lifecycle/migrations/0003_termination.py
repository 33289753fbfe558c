"""The termination record, and signed visit versions made deletable once their clinic is terminated.

records/0002 makes a signed visit version immune to UPDATE and DELETE. After a termination's
crypto-shred the version is ciphertext under destroyed keys, and the clinic's rows must leave the
live database (lifecycle/termination/services/removal.py): the DELETE trigger now lets a version
go when its clinic's status is 'terminated' (set only by the shred). Changing a version stays refused.
"""

import django.db.models.deletion
import django.db.models.manager
import uuid
from django.db import migrations, models

MESSAGE = "signed visit records are never changed; write an amendment"
_TERMINATED = "EXISTS (SELECT 1 FROM tenancy_clinic c WHERE c.id = OLD.clinic_id AND c.status = 'terminated')"
PG_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION records_refuse_signed_change() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND {_TERMINATED} THEN RETURN OLD; END IF;
      IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
]
PG_BACKWARD = [
    f"""CREATE OR REPLACE FUNCTION records_refuse_signed_change() RETURNS trigger AS $$
    BEGIN
      IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
]
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS encounterversion_signed_no_delete",
    f"""CREATE TRIGGER encounterversion_signed_no_delete BEFORE DELETE ON records_encounterversion
       WHEN OLD.signed_at IS NOT NULL AND NOT {_TERMINATED} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS encounterversion_signed_no_delete",
    f"""CREATE TRIGGER encounterversion_signed_no_delete BEFORE DELETE ON records_encounterversion
       WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('lifecycle', '0002_retention'),
        ('tenancy', '0001_initial'),
        ('records', '0002_signed_versions_are_immutable'),
    ]

    operations = [
        migrations.CreateModel(
            name='Termination',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('reason', models.CharField(max_length=200)),
                ('notice_by', models.CharField(max_length=150)),
                ('notice_at', models.DateTimeField()),
                ('manifest_sha256', models.CharField(blank=True, max_length=64)),
                ('manifest_summary', models.JSONField(blank=True, default=dict)),
                ('delivered_by', models.CharField(blank=True, max_length=150)),
                ('delivered_at', models.DateTimeField(null=True)),
                ('acknowledged_by', models.CharField(blank=True, max_length=150)),
                ('acknowledged_at', models.DateTimeField(null=True)),
                ('grace_ends_at', models.DateTimeField(null=True)),
                ('grace_ended_at', models.DateTimeField(null=True)),
                ('shredded_at', models.DateTimeField(null=True)),
                ('destroyed_keys', models.JSONField(blank=True, default=dict)),
                ('root_generation', models.PositiveIntegerField(null=True)),
                ('root_retired_at', models.DateTimeField(null=True)),
                ('root_destroy_after', models.DateTimeField(null=True)),
                ('rows_removed', models.JSONField(blank=True, default=dict)),
                ('tables_done', models.JSONField(blank=True, default=list)),
                ('rows_removed_at', models.DateTimeField(null=True)),
                ('certificate', models.BinaryField(null=True)),
                ('certified_at', models.DateTimeField(null=True)),
                ('backup_statement', models.BinaryField(null=True)),
                ('backup_statement_at', models.DateTimeField(null=True)),
                ('clinic', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.clinic')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('clinic',), name='one_termination_per_clinic')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_clinics', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(_run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
                             _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})),
    ]
