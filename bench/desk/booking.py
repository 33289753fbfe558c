"""Booking throughput: concurrent clients booking free slots through klinika, and through bare SQL INSERTs.

Clients are separate processes (bench/desk/team.py says why), all released at once by a barrier.

klinika: each attempt is scheduling.services.book(registrar, patient=id, practitioner=id, visit_type=id,
  starts_at=..., reason=...), the function behind POST /api/schedule/appointments and the booking page,
  run as a request runs it (AuditBatchMiddleware: one transaction, the audit event written at its end).
  book() checks that the slot is offered and free (the slot computation for that practitioner's day)
  and that the patient has no other visit then, encrypts the reason under the patient's key and
  inserts; the exclusion constraint catches a parallel booking of the same time (SlotTaken). Each
  client is a registrar of its own, its key cache emptied at the start of a round: the patients are
  random, so each booking loads its patient's key from the keystore, as a web worker would.
bare SQL: each attempt is one INSERT INTO scheduling_appointment (autocommit) over a psycopg
  connection of the client's own, the reason as plain text; the same exclusion constraint refuses
  overlaps (ExclusionViolation; when two INSERTs of the same time each wait for the other while checking
  it, PostgreSQL aborts one with a deadlock error, counted as a conflict too). No other check, no audit,
  no encryption. Any other error, on either side, is counted and reported, as a client would see it.

Both sides book 15-minute follow-up visits in the same kind of slots (free slots 3 to 12 weeks
ahead, shuffled; every round takes fresh ones), for random patients. To have real conflicts, about
10 % of a client's attempts also go for the slot its neighbouring client is booking at the same
step, so each such slot is wanted twice at about the same moment: exactly one of the two may get it.

Throughput = bookings made / the round's wall-clock time (first client released to last client
done). CPU per attempt is the clients' own CPU time and that of their PostgreSQL backends (read from
/proc), which a busy machine disturbs less than the wall clock. Rounds alternate: klinika, SQL,
SQL, klinika, ...; the ratio is the median over adjacent pairs.
"""
import datetime
import os
import random
import statistics
import threading
import time
from pathlib import Path

RACE_SHARE = 0.1
POOL_DAYS = (22, 85)  # free slots between 3 and 12 weeks ahead
MAX_WINDOW = 31
REASONS = ["kontrola po leczeniu", "wyniki badań", "przedłużenie recept", "ból pleców", "kontrola ciąży"]

INSERT = """INSERT INTO scheduling_appointment
    (clinic_id, patient_id, practitioner_id, visit_type_id, room_id, starts_at, ends_at, status, reason,
     booked_by_id, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, 'booked', %s, %s, now(), now())"""

OVERLAPS = """SELECT count(*) FROM (
    SELECT starts_at, lag(ends_at) OVER (PARTITION BY practitioner_id ORDER BY starts_at, ends_at) AS previous_end
      FROM scheduling_appointment WHERE status <> 'cancelled') t
 WHERE previous_end > starts_at"""


WAITS = """SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND query LIKE '%%audit_auditchainhead%%'),
       count(*) FILTER (WHERE wait_event_type = 'Lock'),
       count(*) FILTER (WHERE state = 'active' OR state LIKE 'idle in transaction%%')
  FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"""


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every few milliseconds during a round: how many clients wait for the
    clinic's audit chain head (its row lock is held from the append to COMMIT), how many wait for any
    lock, how many are inside a statement or a transaction. By Little's law the mean number waiting
    for the head, divided by the bookings per second, is the mean time a booking waits for it."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.samples, self.stop = url, [], threading.Event()

    def run(self):
        import psycopg

        from bench.desk.environment import conninfo

        with psycopg.connect(conninfo(self.url), autocommit=True) as connection:
            while not self.stop.is_set():
                self.samples.append(connection.execute(WAITS).fetchone())
                time.sleep(0.005)

    def summary(self) -> dict:
        self.stop.set()
        self.join()
        n = max(1, len(self.samples))
        return {"lock_samples": len(self.samples),
                "waiting_for_audit_head_mean": sum(s[0] for s in self.samples) / n,
                "waiting_for_audit_head_share": sum(1 for s in self.samples if s[0]) / n,
                "waiting_for_any_lock_mean": sum(s[1] for s in self.samples) / n,
                "in_transaction_mean": sum(s[2] for s in self.samples) / n}


def slot_pool(desk, seed: int) -> list:
    """Free follow-up slots of every practitioner, 3 to 12 weeks ahead, shuffled."""
    from django.utils import timezone

    from klinika.scheduling.slots import find_free_slots
    from klinika.tenancy.context import clinic_context

    today = timezone.localdate()
    first, last = (today + datetime.timedelta(days=d) for d in POOL_DAYS)
    found = []
    with clinic_context(desk.clinic):
        while first <= last:
            until = min(last, first + datetime.timedelta(days=MAX_WINDOW - 1))
            found += find_free_slots(visit_type=desk.visit_types["follow-up"], date_from=first, date_to=until)
            first = until + datetime.timedelta(days=1)
    random.Random(seed).shuffle(found)
    return found


def plan_round(pool: list, patients: list[int], *, clients: int, per_client: int, visit_type_id: int,
               rng: random.Random) -> tuple[list[list[tuple]], list]:
    """Each client's attempts, and the slots of the round. Takes the slots off `pool`."""
    if len(pool) < clients * per_client:
        raise SystemExit(f"only {len(pool)} free slots left for a round of {clients * per_client} bookings")
    slots = [pool.pop() for _ in range(clients * per_client)]
    own = [slots[c * per_client:(c + 1) * per_client] for c in range(clients)]
    people = iter(rng.sample(patients, int(len(slots) * (1 + 2 * RACE_SHARE)) + clients))

    def attempt(slot):
        return (next(people), slot.practitioner_id, visit_type_id, slot.room_id, slot.starts_at.timestamp(),
                slot.ends_at.timestamp(), rng.choice(REASONS))

    attempts = []
    for c in range(clients):
        mine = []
        for j, slot in enumerate(own[c]):
            mine.append(attempt(slot))
            if clients > 1 and rng.random() < RACE_SHARE:
                mine.append(attempt(own[(c + 1) % clients][j]))
        attempts.append(mine)
    return attempts, slots


def _backend_cpu(pids) -> float:
    """CPU seconds used so far by these PostgreSQL backends (same machine: /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _run_attempts(attempts, book, crew, pids) -> dict:
    from django.core.exceptions import ValidationError

    from klinika.scheduling.errors import SlotTaken

    booked = conflicts = 0
    refused, errors, latencies = {}, {}, []
    crew.barrier.wait()
    cpu0, server0, start = time.process_time(), _backend_cpu(pids), time.monotonic()
    for attempt in attempts:
        t0 = time.monotonic()
        try:
            book(attempt)
            booked += 1
        except SlotTaken:
            conflicts += 1
        except ValidationError as exc:
            message = "; ".join(exc.messages)
            refused[message] = refused.get(message, 0) + 1
        except Exception as exc:  # noqa: BLE001 - what a client would get as a server error: counted, reported
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            errors[message] = errors.get(message, 0) + 1
        latencies.append(time.monotonic() - t0)
        crew.advance("attempts")
    end = time.monotonic()
    return {"booked": booked, "conflicts": conflicts, "refused": refused, "errors": errors, "start": start, "end": end,
            "latencies": latencies, "cpu": time.process_time() - cpu0, "server_cpu": _backend_cpu(pids) - server0}


def klinika_client(payload, crew) -> dict:
    """In a client process: book through klinika.scheduling.services.book, as the API does."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from bench.desk.search import cold_keys, in_request
    from klinika.scheduling import services
    from klinika.tenancy.context import clinic_context

    utc = datetime.timezone.utc
    with clinic_context(payload["clinic_id"]):
        user = get_user_model().objects.get(pk=payload["user_id"])
        cold_keys()  # the clinic's keys loaded, no patient's

        def book(attempt):
            patient, practitioner, visit_type, _room, starts, _ends, reason = attempt
            in_request(user, lambda: services.book(
                user, patient=patient, practitioner=practitioner, visit_type=visit_type,
                starts_at=datetime.datetime.fromtimestamp(starts, utc), reason=reason))

        pids = []
        for alias in ("default", "keystore"):
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
        return _run_attempts(payload["attempts"], book, crew, pids)


def sql_client(payload, crew) -> dict:
    """In a client process: one bare INSERT per attempt."""
    import psycopg

    from bench.desk.environment import conninfo
    from klinika.scheduling.errors import SlotTaken

    utc = datetime.timezone.utc
    with psycopg.connect(conninfo(payload["url"]), autocommit=True) as connection:
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]

        def book(attempt):
            patient, practitioner, visit_type, room, starts, ends, reason = attempt
            try:
                connection.execute(INSERT, [payload["clinic_id"], patient, practitioner, visit_type, room,
                                            datetime.datetime.fromtimestamp(starts, utc),
                                            datetime.datetime.fromtimestamp(ends, utc), reason.encode(),
                                            payload["user_id"]])
            except psycopg.errors.ExclusionViolation:
                raise SlotTaken() from None
            except psycopg.errors.DeadlockDetected:
                # Two INSERTs of overlapping times that each found the other's uncommitted row while checking
                # the exclusion constraint: PostgreSQL aborts one, the other gets the slot.
                deadlocks[0] += 1
                raise SlotTaken() from None

        deadlocks = [0]
        return _run_attempts(payload["attempts"], book, crew, [pid]) | {"deadlocks": deadlocks[0]}


def summarise_round(kind, results, duplicates) -> dict:
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    attempts = sum(len(r["latencies"]) for r in results)
    booked = sum(r["booked"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    refused, errors = {}, {}
    for r in results:
        for message, n in r["refused"].items():
            refused[message] = refused.get(message, 0) + n
        for message, n in r["errors"].items():
            errors[message] = errors.get(message, 0) + n
    cpu, server = sum(r["cpu"] for r in results), sum(r["server_cpu"] for r in results)
    return {
        "kind": kind, "attempts": attempts, "booked": booked, "conflicts": sum(r["conflicts"] for r in results),
        "expected_conflicts": duplicates, "refused": refused, "errors": errors,
        "deadlocks_resolved_as_conflicts": sum(r.get("deadlocks", 0) for r in results), "wall_s": wall,
        "bookings_per_s": booked / wall,
        "attempts_per_s": attempts / wall, "latency_p50_ms": latencies[len(latencies) // 2] * 1000,
        "latency_p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "client_cpu_ms_per_attempt": cpu / attempts * 1000, "server_cpu_ms_per_attempt": server / attempts * 1000,
    }


def measure(desk, patients: list[int], url: str, *, clients: int, rounds: int, klinika_per_client: int,
            sql_per_client: int, seed: int, progress) -> dict:
    from django.db import connection

    from bench.desk.team import Team

    rng = random.Random(seed)
    pool = slot_pool(desk, seed)
    pool_size = len(pool)
    visit_type = desk.visit_types["follow-up"].pk
    order = []
    for n in range(rounds):
        order += ["klinika", "sql"] if n % 2 == 0 else ["sql", "klinika"]
    summaries, booked_slots = [], []
    with Team(clients, counters=("attempts",), name="bench-desk-client") as team:
        for n, kind in enumerate(order):
            per_client = klinika_per_client if kind == "klinika" else sql_per_client
            attempts, slots = plan_round(pool, patients, clients=clients, per_client=per_client,
                                         visit_type_id=visit_type, rng=rng)
            booked_slots += slots
            duplicates = sum(len(a) for a in attempts) - len(slots)
            payloads = [{"clinic_id": desk.clinic.pk, "user_id": desk.registrars[c % len(desk.registrars)].pk,
                         "url": url, "attempts": attempts[c]} for c in range(clients)]
            task = progress.add_task(f"booking round {n + 1}/{len(order)}: {clients} clients, {kind}",
                                     total=sum(len(a) for a in attempts))
            team.reset("attempts")
            function = "bench.desk.booking:klinika_client" if kind == "klinika" else "bench.desk.booking:sql_client"
            sampler = LockSampler(url)
            sampler.start()
            results = team.run(function, payloads,
                               on_tick=lambda t, task=task: progress.update(task, completed=t.count("attempts")))
            summaries.append(summarise_round(kind, results, duplicates) | sampler.summary())
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        overlaps = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT practitioner_id, starts_at FROM scheduling_appointment "
            "WHERE status <> 'cancelled' AND (practitioner_id, starts_at) IN "
            "(SELECT * FROM unnest(%s::int[], %s::timestamptz[])) GROUP BY 1, 2 HAVING count(*) = 1) t",
            [[s.practitioner_id for s in booked_slots], [s.starts_at for s in booked_slots]])
        booked_once = cursor.fetchone()[0]
    pairs = [(a, b) for a, b in zip(summaries[0::2], summaries[1::2], strict=True)]
    ratios = []
    for a, b in pairs:
        k, s = (a, b) if a["kind"] == "klinika" else (b, a)
        ratios.append({"throughput": k["bookings_per_s"] / s["bookings_per_s"],
                       "cpu_per_attempt": (k["client_cpu_ms_per_attempt"] + k["server_cpu_ms_per_attempt"])
                       / (s["client_cpu_ms_per_attempt"] + s["server_cpu_ms_per_attempt"])})
    return {"rounds": summaries, "overlapping_pairs": overlaps, "slots_wanted": len(booked_slots),
            "slots_booked_exactly_once": booked_once, "free_slots_in_pool": pool_size,
            "throughput_ratio": statistics.median(r["throughput"] for r in ratios),
            "cpu_ratio": statistics.median(r["cpu_per_attempt"] for r in ratios), "pairs": ratios}
