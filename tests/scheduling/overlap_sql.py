"""Plain SQL over the appointments table, so the tests ask the database itself, not the ORM."""
from django.db import connection

from klinika.scheduling.models import Appointment

OVERLAPPING_PAIRS = """
    SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
      ON a.practitioner_id = b.practitioner_id AND a.id < b.id
     WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
       AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"""


def overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPPING_PAIRS)
        return cursor.fetchone()[0]


def holding_time(practitioner_id) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scheduling_appointment WHERE practitioner_id = %s "
                       "AND status <> 'cancelled'", [practitioner_id])
        return cursor.fetchone()[0]


def insert_raw(*, clinic_id, patient_id, practitioner_id, visit_type_id, starts_at, ends_at, status="booked"):
    """INSERT INTO scheduling_appointment by hand, values adapted the way Django stores them."""
    ops = connection.ops
    clinic = Appointment._meta.get_field("clinic").get_db_prep_value(clinic_id, connection)
    start, end = ops.adapt_datetimefield_value(starts_at), ops.adapt_datetimefield_value(ends_at)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO scheduling_appointment (clinic_id, patient_id, practitioner_id, visit_type_id, starts_at, "
            "ends_at, status, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [clinic, patient_id, practitioner_id, visit_type_id, start, end, status, start, start])


def move_raw(appointment_id, starts_at, ends_at):
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scheduling_appointment SET starts_at = %s, ends_at = %s WHERE id = %s",
                       [ops.adapt_datetimefield_value(starts_at), ops.adapt_datetimefield_value(ends_at),
                        appointment_id])
