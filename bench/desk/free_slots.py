"""Free slots of a specialty over two weeks: klinika's slot search against bare SQL.

klinika: scheduling.slots.find_free_slots(visit_type=first visit (30 min), specialty=0724, two weeks),
  the function behind the booking page and GET /api/schedule/slots. It loads the specialty's
  practitioners, their weekly hours for the visit type, extra hours, leave and the appointments in the
  window through the ORM, then lays the slots out in Python (wall-clock hours in Europe/Warsaw, visits
  longer than a slot over consecutive slots).

Baseline "SQL fetch": the same four reads as bare SQL over one psycopg connection, rows fetched and
  nothing computed: the practitioners of the specialty, their weekly hours offering the visit type,
  their leave and their time-holding appointments overlapping the window (since issue 11 with the
  range predicate klinika uses, which the exclusion constraint's GiST index answers). What a
  hand-written implementation would at least have to read.
Baseline "SQL slots": one statement that computes the free slots itself: generate_series over the
  days and each template's slot starts, local times converted with AT TIME ZONE, anti-joins against
  the window's leave and appointments (the latter found through the exclusion constraint's GiST index,
  `tstzrange(starts_at, ends_at) && window`). It must give exactly klinika's slots; the run stops if
  it does not.

Windows start 1-14 days ahead, at random; each sample runs klinika and a baseline adjacent in time.
"""
import datetime
import random

from bench.desk.clinic import SPECIALTY

WINDOW_DAYS = 14

FETCH = [
    """SELECT DISTINCT p.id FROM staff_practitioner p
         JOIN staff_practitioner_specialties ps ON ps.practitioner_id = p.id
         JOIN staff_specialty s ON s.id = ps.specialty_id
        WHERE p.clinic_id = %(clinic)s AND p.is_active AND s.code = %(specialty)s""",
    """SELECT w.practitioner_id, w.weekday, w.start_time, w.end_time, w.slot_minutes, w.room_id, w.valid_from,
              w.valid_until
         FROM scheduling_weeklyavailability w
         JOIN scheduling_weeklyavailability_visit_types t
           ON t.weeklyavailability_id = w.id AND t.visittype_id = %(visit_type)s
        WHERE w.clinic_id = %(clinic)s AND w.practitioner_id = ANY(%(ids)s) AND w.valid_from <= %(last)s
          AND (w.valid_until IS NULL OR w.valid_until >= %(first)s)
        ORDER BY w.practitioner_id, w.weekday, w.start_time, w.id""",
    """SELECT practitioner_id, starts_at, ends_at FROM scheduling_availabilityexception
        WHERE clinic_id = %(clinic)s AND practitioner_id = ANY(%(ids)s) AND kind = 'unavailable'
          AND starts_at < %(end)s AND ends_at > %(start)s ORDER BY starts_at""",
    """SELECT practitioner_id, starts_at, ends_at FROM scheduling_appointment
        WHERE clinic_id = %(clinic)s AND practitioner_id = ANY(%(ids)s) AND status <> 'cancelled'
          AND tstzrange(starts_at, ends_at, '[)') && tstzrange(%(start)s, %(end)s, '[)') ORDER BY starts_at""",
]

SLOTS = """
WITH practitioners AS (
    SELECT DISTINCT p.id FROM staff_practitioner p
      JOIN staff_practitioner_specialties ps ON ps.practitioner_id = p.id
      JOIN staff_specialty s ON s.id = ps.specialty_id
     WHERE p.clinic_id = %(clinic)s AND p.is_active AND s.code = %(specialty)s
), templates AS (
    SELECT w.* FROM scheduling_weeklyavailability w
      JOIN scheduling_weeklyavailability_visit_types t
        ON t.weeklyavailability_id = w.id AND t.visittype_id = %(visit_type)s
     WHERE w.clinic_id = %(clinic)s AND w.practitioner_id IN (SELECT id FROM practitioners)
       AND w.valid_from <= %(last)s AND (w.valid_until IS NULL OR w.valid_until >= %(first)s)
), leave AS MATERIALIZED (
    SELECT practitioner_id, starts_at, ends_at FROM scheduling_availabilityexception
     WHERE clinic_id = %(clinic)s AND practitioner_id IN (SELECT id FROM practitioners) AND kind = 'unavailable'
       AND starts_at < %(end)s AND ends_at > %(start)s
), busy AS MATERIALIZED (
    SELECT practitioner_id, starts_at, ends_at FROM scheduling_appointment
     WHERE practitioner_id IN (SELECT id FROM practitioners) AND status <> 'cancelled'
       AND tstzrange(starts_at, ends_at, '[)') && tstzrange(%(start)s, %(end)s, '[)')
), candidates AS (
    SELECT DISTINCT ON (t.practitioner_id, starts_at) t.practitioner_id, t.room_id,
           (d.day + t.start_time + make_interval(mins => k * t.slot_minutes)) AT TIME ZONE %(zone)s AS starts_at
      FROM generate_series(%(first)s::timestamp, %(last)s::timestamp, interval '1 day') AS d(day)
      JOIN templates t ON t.weekday = extract(isodow FROM d.day) - 1 AND t.valid_from <= d.day::date
                      AND (t.valid_until IS NULL OR d.day::date <= t.valid_until)
     CROSS JOIN LATERAL generate_series(
           0, (extract(epoch FROM t.end_time - t.start_time)::int / 60 / t.slot_minutes)
              - ceil(%(minutes)s::numeric / t.slot_minutes)::int) AS k
     ORDER BY t.practitioner_id, starts_at, t.id
)
SELECT c.practitioner_id, c.starts_at, c.room_id FROM candidates c
 WHERE c.starts_at > now()
   AND NOT EXISTS (SELECT 1 FROM leave e WHERE e.practitioner_id = c.practitioner_id
                      AND e.starts_at < c.starts_at + make_interval(mins => %(minutes)s) AND e.ends_at > c.starts_at)
   AND NOT EXISTS (SELECT 1 FROM busy a WHERE a.practitioner_id = c.practitioner_id
                      AND a.starts_at < c.starts_at + make_interval(mins => %(minutes)s) AND a.ends_at > c.starts_at)
 ORDER BY c.starts_at, c.practitioner_id
"""


def windows(count: int, seed: int, today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    rng = random.Random(seed)
    starts = [today + datetime.timedelta(days=rng.randint(1, 14)) for _ in range(count)]
    return [(first, first + datetime.timedelta(days=WINDOW_DAYS - 1)) for first in starts]


class BareSQL:
    """A psycopg connection of its own (autocommit), no ORM: the baselines."""

    def __init__(self, url, desk):
        import psycopg

        from bench.desk.environment import conninfo
        from klinika.scheduling.slots import ZONE

        self.connection = psycopg.connect(conninfo(url), autocommit=True)
        self.desk, self.zone = desk, ZONE
        self.visit_type = desk.visit_types["first"]

    def params(self, window) -> dict:
        first, last = window
        start = datetime.datetime.combine(first, datetime.time(0, 0), self.zone)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0, 0), self.zone)
        return {"clinic": self.desk.clinic.pk, "specialty": SPECIALTY, "visit_type": self.visit_type.pk,
                "first": first, "last": last, "start": start, "end": end, "zone": str(self.zone),
                "minutes": self.visit_type.duration_minutes}

    def fetch(self, window) -> int:
        params = self.params(window)
        rows = 0
        with self.connection.cursor() as cursor:
            cursor.execute(FETCH[0], params)
            params["ids"] = [row[0] for row in cursor.fetchall()]
            for statement in FETCH[1:]:
                cursor.execute(statement, params)
                rows += len(cursor.fetchall())
        return rows

    def slots(self, window) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(SLOTS, self.params(window))
            return cursor.fetchall()

    def close(self):
        self.connection.close()


def klinika_slots(desk):
    from klinika.scheduling.slots import find_free_slots

    visit_type = desk.visit_types["first"]

    def run(window):
        return find_free_slots(visit_type=visit_type, specialty=SPECIALTY, date_from=window[0], date_to=window[1])

    return run


def measure(desk, url, *, count: int, seed: int, best_of: int, progress) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.desk.timing import side_by_side
    from klinika.tenancy.context import clinic_context

    sample = windows(count, seed, timezone.localdate())
    bare = BareSQL(url, desk)
    try:
        with clinic_context(desk.clinic):
            klinika = klinika_slots(desk)
            for window in sample[:10]:
                ours = [(s.practitioner_id, s.starts_at, s.room_id) for s in klinika(window)]
                if ours != bare.slots(window):
                    raise SystemExit(f"free slots {window}: klinika found {len(ours)}, the SQL statement "
                                     f"{len(bare.slots(window))}, or other ones")
            with CaptureQueriesContext(connection) as captured:
                found = klinika(sample[0])
            info = {"queries": len(captured), "slots_median": sorted(len(klinika(w)) for w in sample)[count // 2],
                    "practitioners": len({s.practitioner_id for s in found}),
                    "busy_rows_median": sorted(_busy_rows(bare, w) for w in sample)[count // 2]}
            results = {}
            for name, baseline in (("SQL fetch", bare.fetch), ("SQL slots", bare.slots)):
                task = progress.add_task(f"free slots, 2 weeks: klinika vs {name}", total=count)
                results[name] = side_by_side(sample, klinika, baseline, best_of=best_of, progress=progress,
                                             task=task) | info
            results["plan of the appointments query"] = explain_busy_query(bare, sample[0])
    finally:
        bare.close()
    return results


def _busy_rows(bare, window) -> int:
    params = bare.params(window)
    with bare.connection.cursor() as cursor:
        cursor.execute(FETCH[0], params)
        params["ids"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(FETCH[3], params)
        return len(cursor.fetchall())


def explain_busy_query(bare, window) -> str:
    """How PostgreSQL runs klinika's own appointments read of the slot search (its SQL as the ORM sends it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        klinika_slots(bare.desk)(window)
    (sql,) = [q["sql"] for q in captured if q["sql"].startswith("SELECT") and "scheduling_appointment" in q["sql"]]
    with bare.connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())
