"""The registration desk at scale (issue 3): patient search, free-slot search and booking throughput.

With 100k patients and 1M appointments in one clinic on PostgreSQL:
  - search by PESEL and by surname costs at most 1.5x the same lookup on a plaintext indexed column
    (side by side, one run): PASS or FAIL;
  - free-slot search for a specialty over 2 weeks and 20 practitioners, and
  - booking throughput with 16 concurrent clients,
    both reported with their ratios to a bare SQL baseline.

    python bench/registration_desk.py [--patients N] [--appointments N] [--clients N] [--json FILE] ...

What each part measures, and against what, is in the docstrings of bench/desk/search.py,
free_slots.py and booking.py; how the data is made, in bench/desk/clinic.py and population.py.

PostgreSQL only (the exclusion constraint and the concurrency are the point). The databases
(default klinika_bench_desk and klinika_bench_desk_keystore) are dropped and re-created at the start
of each run; their names must contain "bench". Start the server first with
`eval "$(bash scripts/postgres.sh)"`; --pg-url / --pg-keystore-url (or BENCH_DESK_DATABASE_URL and
BENCH_DESK_KEYSTORE_DATABASE_URL) point elsewhere.
"""
import argparse
import datetime
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the bench package
if importlib.util.find_spec("klinika") is None:  # not installed: this checkout's (PYTHONPATH may name another)
    sys.path.insert(1, str(REPO / "src"))


def parse_args():
    from bench.desk.environment import PG_DEFAULT, PG_KEYSTORE_DEFAULT

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="patients in the clinic (default 100000)")
    parser.add_argument("--appointments", type=int, default=1_000_000,
                        help="appointments, mostly past (default 1000000)")
    parser.add_argument("--gynaecologists", type=int, default=20,
                        help="practitioners of the searched specialty (default 20)")
    parser.add_argument("--other-practitioners", type=int, default=20, help="of other specialties (default 20)")
    parser.add_argument("--loaders", type=int, default=4, help="processes that save the data (default 4)")
    parser.add_argument("--search-samples", type=int, default=50, help="patients searched for, per kind (default 50)")
    parser.add_argument("--slot-samples", type=int, default=30, help="free-slot windows (default 30)")
    parser.add_argument("--best-of", type=int, default=3,
                        help="runs per side and sample; the fastest counts (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent booking clients (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="booking rounds per side (default 3)")
    parser.add_argument("--klinika-bookings", type=int, default=25,
                        help="attempts per client in a klinika round (default 25)")
    parser.add_argument("--sql-bookings", type=int, default=125,
                        help="attempts per client in a bare-SQL round (default 125; SQL is faster, so more "
                             "attempts keep its rounds long enough to time)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DESK_DATABASE_URL", PG_DEFAULT))
    parser.add_argument("--pg-keystore-url", default=os.environ.get("BENCH_DESK_KEYSTORE_DATABASE_URL",
                                                                    PG_KEYSTORE_DEFAULT))
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    if args.patients < max(args.search_samples, 1000):
        parser.error("--patients must be at least 1000 and at least --search-samples")
    return args


class Phases:
    """Wall-clock time and load average at the end of each phase of the run."""

    def __init__(self):
        self.started, self.last, self.log = time.monotonic(), time.monotonic(), []

    def done(self, name):
        now = time.monotonic()
        self.log.append({"phase": name, "seconds": round(now - self.last, 1),
                         "load_average_1min": round(os.getloadavg()[0], 2)})
        self.last = now

    def total(self) -> float:
        return time.monotonic() - self.started


def main():
    args = parse_args()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bench.desk import booking, clinic, free_slots, keys, population, search
    from bench.desk.environment import configure, machine
    from bench.desk.report import print_report

    console = Console(width=max(170, Console().width))
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    phases = Phases()
    temp = configure(args)
    phases.done("databases and migrations")
    try:
        from django.utils import timezone

        from klinika.testdata.synthetic import SyntheticPeople

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            desk = clinic.build(SyntheticPeople(seed=args.seed + 1), gynaecologists=args.gynaecologists,
                                others=args.other_practitioners, registrars=args.clients, seed=args.seed)
            phases.done("clinic, staff, schedules")
            people = population.generate_people(args.patients, args.seed, progress)
            plan = population.plan_appointments(desk, total=args.appointments, patients=len(people),
                                                seed=args.seed, now=timezone.now(), progress=progress)
            phases.done("synthetic patients and the appointment layout")
            patient_pks = population.load(desk, people, plan, loaders=args.loaders, progress=progress)
            del plan
            population.check_readable(desk)
            phases.done("saving patients, twins, appointments")
            population.analyze(progress)
            sizes = population.table_sizes()
            phases.done("VACUUM ANALYZE")
            key_lookups = keys.measure(desk, people, count=min(60, len(people)), seed=args.seed, best_of=args.best_of,
                                       progress=progress)
            phases.done("cold key lookups")
            searches = search.measure(desk, search.samples(people, args.search_samples, args.seed),
                                      best_of=args.best_of, progress=progress)
            phases.done("patient search")
            slots = free_slots.measure(desk, args.pg_url, count=args.slot_samples, seed=args.seed,
                                       best_of=args.best_of, progress=progress)
            phases.done("free-slot search")
            try:  # the last and longest part: a failure here must not lose the others' results
                bookings = booking.measure(desk, patient_pks, args.pg_url, clients=args.clients,
                                           rounds=args.rounds, klinika_per_client=args.klinika_bookings,
                                           sql_per_client=args.sql_bookings, seed=args.seed, progress=progress)
            except RuntimeError as exc:
                bookings = {"error": str(exc)}
            phases.done("booking throughput")
        found = machine() | {"load_average_before": load_before, "load_average_after": os.getloadavg()}
        result = {"started": started.isoformat(timespec="seconds"), "minutes": round(phases.total() / 60, 1),
                  "args": {k: str(v) for k, v in vars(args).items() if not k.startswith("pg_")},
                  "machine": found, "phases": phases.log, "tables": sizes,
                  "search": {" / ".join(key): value for key, value in searches.items()},
                  "key_lookups": key_lookups, "free_slots": slots, "booking": bookings}
        passed = print_report(console, result, searches) and "error" not in bookings
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(result, indent=2, default=str))
        return 0 if passed else 1
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
