"""Side-by-side timing: each sample times klinika and its baseline adjacent in time, alternating which
goes first, best of a few runs per side; the result is the median over samples of the ratio.

Wall clock is what a user waits for; this thread's CPU time is what a busy shared machine disturbs
least (it leaves out the database server's work and the time other processes hold the CPU).
"""
import statistics
import time


def timed(fn, *args) -> tuple[int, int, object]:
    """(wall-clock ns, this thread's CPU ns, fn's result)."""
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    result = fn(*args)
    return time.perf_counter_ns() - t0, time.thread_time_ns() - c0, result


def best(runs: list) -> tuple[int, int]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def side_by_side(samples, klinika, baseline, *, best_of=3, before_klinika=None, progress=None, task=None) -> dict:
    """Time klinika(sample) against baseline(sample) for every sample.

    before_klinika(sample), if given, runs untimed right before each klinika run (e.g. emptying the
    key cache for a cold run). Returns the summary of summarise()."""
    pairs = []
    for i, sample in enumerate(samples):
        sides = [("klinika", klinika), ("baseline", baseline)]
        if i % 2:
            sides.reverse()
        runs = {"klinika": [], "baseline": []}
        for _ in range(best_of):
            for name, fn in sides:
                if name == "klinika" and before_klinika is not None:
                    before_klinika(sample)
                wall, cpu, _result = timed(fn, sample)
                runs[name].append((wall, cpu))
        pairs.append((best(runs["klinika"]), best(runs["baseline"])))
        if progress is not None:
            progress.advance(task)
    return summarise(pairs)


def summarise(pairs) -> dict:
    """pairs: ((klinika wall ns, cpu ns), (baseline wall ns, cpu ns)) per sample."""
    wall = [k[0] / b[0] for k, b in pairs]
    cpu = [k[1] / b[1] for k, b in pairs if b[1] > 0]
    k_wall, b_wall = [k[0] for k, _ in pairs], [b[0] for _, b in pairs]
    return {
        "samples": len(pairs),
        "klinika_us": statistics.median(k_wall) / 1000,
        "baseline_us": statistics.median(b_wall) / 1000,
        "ratio": statistics.median(wall),
        "ratio_p25": quantile(wall, 0.25),
        "ratio_p75": quantile(wall, 0.75),
        "klinika_cpu_us": statistics.median(k[1] for k, _ in pairs) / 1000,
        "baseline_cpu_us": statistics.median(b[1] for _, b in pairs) / 1000,
        "cpu_ratio": statistics.median(cpu) if cpu else float("nan"),
    }
