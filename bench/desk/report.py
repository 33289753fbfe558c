"""The run's tables, as printed at the end of bench/registration_desk.py."""
from rich.table import Table

from bench.desk.search import LIMIT

CRITERION = [("pesel", "service", "warm"), ("pesel", "service", "cold"),
             ("surname", "service", "warm"), ("surname", "service", "cold")]


def _table(title, columns, right_from=1):
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="right" if i >= right_from else "left")
    return table


def print_report(console, result, searches) -> bool:
    m = result["machine"]
    console.print(f"[bold]klinika registration desk bench[/]: PostgreSQL {m['postgresql']}, "
                  f"{result['tables']['patients_patient']['rows']} patients, "
                  f"{result['tables']['scheduling_appointment']['rows']} appointments; nproc {m['nproc']}, {m['cpu']}, "
                  f"{m['memory']}, Python {m['python']}, Django {m['django']}, cryptography {m['cryptography']}, "
                  f"psycopg {m['psycopg']}; load average {m['load_average_before'][0]:.1f} before, "
                  f"{m['load_average_after'][0]:.1f} after; {result['minutes']} min")
    console.print(f"klinika from {m['klinika']}")

    table = _table("Patient search: klinika vs the plaintext twin's indexed column (median µs; ratio = median of "
                   "per-search ratios)", ["by", "comparison", "keys", "klinika µs", "plaintext µs", "ratio",
                                          "IQR", "CPU ratio", "hits (median/max)", "queries k/p",
                                          f"≤ {LIMIT}"], right_from=3)
    for (kind, variant, keys), r in searches.items():
        verdict = ""
        if variant == "service":
            verdict = "[green]yes[/]" if r["ratio"] <= LIMIT else "[red]no[/]"
        table.add_row(kind, variant, keys, f"{r['klinika_us']:.0f}", f"{r['baseline_us']:.0f}", f"{r['ratio']:.2f}",
                      f"{r['ratio_p25']:.2f}–{r['ratio_p75']:.2f}", f"{r['cpu_ratio']:.2f}",
                      f"{r['hits_median']}/{r['hits_max']}", f"{r['queries_klinika']}/{r['queries_baseline']}", verdict)
    console.print(table)

    k = result["key_lookups"]
    console.print(f"cold key lookup, {k['keys_in_keystore']} keys in the keystore (median of {k['samples']}): "
                  f"keystore.subject_key {k['subject_key_us'] / 1000:.2f} ms "
                  f"(CPU {k['subject_key_cpu_us'] / 1000:.2f}), "
                  f"keystore.key_by_id {k['key_by_id_us'] / 1000:.2f} ms (CPU {k['key_by_id_cpu_us'] / 1000:.2f})")
    console.rule("plan of keystore.subject_key's lookup")
    console.print(k["plan"], markup=False, highlight=False)

    slots = result["free_slots"]
    table = _table("Free slots, first visit (30 min), specialty 0724, 2 weeks (median ms)",
                   ["baseline", "klinika ms", "baseline ms", "ratio", "IQR", "CPU ratio", "klinika queries",
                    "slots (median)", "practitioners", "busy rows (median)"])
    for name in ("SQL fetch", "SQL slots"):
        r = slots[name]
        table.add_row(name, f"{r['klinika_us'] / 1000:.1f}", f"{r['baseline_us'] / 1000:.1f}", f"{r['ratio']:.2f}",
                      f"{r['ratio_p25']:.2f}–{r['ratio_p75']:.2f}", f"{r['cpu_ratio']:.2f}", str(r["queries"]),
                      str(r["slots_median"]), str(r["practitioners"]), str(r["busy_rows_median"]))
    console.print(table)
    console.rule("plan of klinika's appointments read in the slot search")
    console.print(slots["plan of the appointments query"], markup=False, highlight=False)

    b = result["booking"]
    if "error" in b:
        console.print(f"[red]booking measurement failed[/]: {b['error']}", markup=True, highlight=False)
    else:
        _print_booking(console, b)

    table = _table("Phases", ["phase", "seconds", "load average (1 min) at its end"])
    for phase in result["phases"]:
        table.add_row(phase["phase"], f"{phase['seconds']:.0f}", f"{phase['load_average_1min']:.1f}")
    console.print(table)

    passed = True
    for key in CRITERION:
        r = searches[key]
        ok = r["ratio"] <= LIMIT
        passed &= ok
        console.print(f"[bold {'green' if ok else 'red'}]{'PASS' if ok else 'FAIL'}[/] search by {key[0]}, "
                      f"{key[2]} keys: {r['ratio']:.2f}x the plaintext lookup ({'≤' if ok else '>'} {LIMIT}), "
                      f"wall clock; CPU time {r['cpu_ratio']:.2f}x")
    return passed


def _print_booking(console, b):
    table = _table("Booking rounds", ["round", "side", "attempts", "booked", "conflicts (expected)", "refused",
                                      "wall s", "bookings/s", "p50 ms", "p95 ms", "client CPU ms/attempt",
                                      "server CPU ms/attempt"], right_from=2)
    for n, r in enumerate(b["rounds"], start=1):
        table.add_row(str(n), r["kind"], str(r["attempts"]), str(r["booked"]),
                      f"{r['conflicts']} ({r['expected_conflicts']})", str(sum(r["refused"].values())),
                      f"{r['wall_s']:.1f}", f"{r['bookings_per_s']:.0f}", f"{r['latency_p50_ms']:.1f}",
                      f"{r['latency_p95_ms']:.1f}", f"{r['client_cpu_ms_per_attempt']:.2f}",
                      f"{r['server_cpu_ms_per_attempt']:.2f}")
    console.print(table)
    waits = _table("Waiting for locks during the rounds (pg_stat_activity, sampled every 5 ms)",
                   ["round", "side", "samples", "clients waiting for the audit chain head (mean)",
                    "share of samples with one waiting", "head wait per booking ms (Little)",
                    "waiting for any lock (mean)", "in a transaction (mean)"], right_from=2)
    for n, r in enumerate(b["rounds"], start=1):
        if "lock_samples" in r:
            waits.add_row(str(n), r["kind"], str(r["lock_samples"]), f"{r['waiting_for_audit_head_mean']:.2f}",
                          f"{r['waiting_for_audit_head_share']:.0%}",
                          f"{r['waiting_for_audit_head_mean'] / r['bookings_per_s'] * 1000:.1f}",
                          f"{r['waiting_for_any_lock_mean']:.2f}", f"{r['in_transaction_mean']:.2f}")
    console.print(waits)
    for n, r in enumerate(b["rounds"], start=1):
        for message, count in r["refused"].items():
            console.print(f"round {n} ({r['kind']}): refused {count}×: {message}")
        for message, count in r["errors"].items():
            console.print(f"round {n} ({r['kind']}): [red]error[/] {count}×: {message}", highlight=False)
        if r["deadlocks_resolved_as_conflicts"]:
            console.print(f"round {n} ({r['kind']}): {r['deadlocks_resolved_as_conflicts']} of the conflicts were "
                          "deadlocks PostgreSQL broke while checking the exclusion constraint")
    pairs = ", ".join(f"{p['throughput']:.3f}" for p in b["pairs"])
    console.print(f"booking throughput, klinika / bare SQL: {b['throughput_ratio']:.3f} (median over "
                  f"{len(b['pairs'])} adjacent pairs: {pairs}); "
                  f"CPU per attempt (clients + their backends), klinika / SQL: {b['cpu_ratio']:.1f}")
    console.print(f"overlapping appointments afterwards: {b['overlapping_pairs']}; slots wanted in the rounds: "
                  f"{b['slots_wanted']}, booked exactly once: {b['slots_booked_exactly_once']} "
                  f"(free slots in the pool: {b['free_slots_in_pool']})")
