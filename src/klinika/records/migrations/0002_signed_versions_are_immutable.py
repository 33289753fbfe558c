"""A signed visit version is never changed or deleted, whatever path tries: database triggers.

Signing itself (signed_at NULL → a time) is the last change a version takes.
"""
from django.db import migrations

MESSAGE = "signed visit records are never changed; write an amendment"
PG_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION records_refuse_signed_change() RETURNS trigger AS $$
    BEGIN
      IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER encounterversion_signed_immutable BEFORE UPDATE OR DELETE ON records_encounterversion
       FOR EACH ROW EXECUTE FUNCTION records_refuse_signed_change()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS encounterversion_signed_immutable ON records_encounterversion",
    "DROP FUNCTION IF EXISTS records_refuse_signed_change()",
]
SQLITE_FORWARD = [
    f"""CREATE TRIGGER encounterversion_signed_no_update BEFORE UPDATE ON records_encounterversion
       WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER encounterversion_signed_no_delete BEFORE DELETE ON records_encounterversion
       WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS encounterversion_signed_no_update",
    "DROP TRIGGER IF EXISTS encounterversion_signed_no_delete",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
                             _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})),
    ]
