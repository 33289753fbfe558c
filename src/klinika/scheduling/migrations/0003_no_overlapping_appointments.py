"""One practitioner, one appointment at a time: enforced by the database, not only in Python.

PostgreSQL: an exclusion constraint over (practitioner =, time range &&), ignoring cancelled
appointments. SQLite: triggers that abort an overlapping insert or update (SQLite runs one
writer at a time, so the check and the write cannot interleave).
"""
from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_overlap
       EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
       WHERE (status <> 'cancelled')""",
]
PG_BACKWARD = ["ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_no_overlap"]

_OVERLAP = """EXISTS (SELECT 1 FROM scheduling_appointment a
       WHERE a.practitioner_id = NEW.practitioner_id AND a.status <> 'cancelled'
         AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at{extra})"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON scheduling_appointment
       WHEN NEW.status <> 'cancelled' AND {_OVERLAP.format(extra="")}
       BEGIN SELECT RAISE(ABORT, 'appointment_no_overlap'); END""",
    f"""CREATE TRIGGER appointment_no_overlap_update
       BEFORE UPDATE OF starts_at, ends_at, status, practitioner_id ON scheduling_appointment
       WHEN NEW.status <> 'cancelled' AND {_OVERLAP.format(extra=" AND a.id <> NEW.id")}
       BEGIN SELECT RAISE(ABORT, 'appointment_no_overlap'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
    "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
