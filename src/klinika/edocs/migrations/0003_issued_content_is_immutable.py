"""An e-document's content is fixed once it leaves draft: it is cancelled and reissued, never edited.

Status, platform id and submission bookkeeping may still change; `content` may not.
"""
from django.db import migrations

TABLES = ["edocs_prescription", "edocs_referral", "edocs_sickleave"]
MESSAGE = "an issued e-document is never edited; cancel it and issue a new one"

PG_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION edocs_refuse_content_change() RETURNS trigger AS $$
    BEGIN
      IF OLD.status <> 'draft' AND NEW.content IS DISTINCT FROM OLD.content THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
] + [
    f"""CREATE TRIGGER {table}_content_immutable BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION edocs_refuse_content_change()"""
    for table in TABLES
]
PG_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_content_immutable ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS edocs_refuse_content_change()"
]
SQLITE_FORWARD = [
    f"""CREATE TRIGGER {table}_content_immutable BEFORE UPDATE OF content ON {table}
        WHEN OLD.status <> 'draft' AND NEW.content IS NOT OLD.content
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for table in TABLES
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_content_immutable" for table in TABLES]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("edocs", "0002_initial")]

    operations = [
        migrations.RunPython(_run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
                             _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})),
    ]
