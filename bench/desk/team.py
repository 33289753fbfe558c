"""Worker processes for the parts that run in parallel: loading data and the concurrent booking clients.

Processes, not threads: klinika's request path is Python code, and threads of one process take
turns under the GIL, so sixteen threads would measure the GIL rather than sixteen clients. A web
deployment serves concurrent requests from separate worker processes too. They are started with
"spawn": a fresh interpreter that sets Django up from the environment the parent prepared, with no
database connection or key cache inherited from the parent.

Each worker has its own inbox, so a job sent to all of them runs on every worker at once; a
barrier lets the jobs start together. Workers report progress through shared counters.
"""
import importlib
import multiprocessing
import queue
import traceback


class Crew:
    """What a job sees of its team: its index, the shared barrier and the progress counters."""

    def __init__(self, index, counters, barrier):
        self.index, self.counters, self.barrier = index, counters, barrier

    def advance(self, counter: str, n: int = 1):
        value = self.counters[counter]
        with value.get_lock():
            value.value += n


def _serve(index, inbox, results, counters, barrier):
    from django.db import connections

    from bench.desk.environment import setup_worker

    setup_worker()
    crew = Crew(index, counters, barrier)
    while True:
        job = inbox.get()
        if job is None:
            break
        function, payload = job
        try:
            module, name = function.split(":")
            results.put((index, True, getattr(importlib.import_module(module), name)(payload, crew)))
        except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
            barrier.abort()  # the others must not wait for this one at the barrier
            results.put((index, False, traceback.format_exc()))
    connections.close_all()


class Team:
    def __init__(self, size: int, counters=("done",), name="bench-desk"):
        ctx = multiprocessing.get_context("spawn")
        self.size = size
        self.counters = {counter: ctx.Value("q", 0) for counter in counters}
        self.barrier = ctx.Barrier(size)
        self.results = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(size)]
        self.processes = [
            ctx.Process(target=_serve, args=(i, self.inboxes[i], self.results, self.counters, self.barrier),
                        name=f"{name}-{i}", daemon=True)
            for i in range(size)
        ]
        for process in self.processes:
            process.start()

    def count(self, counter: str) -> int:
        return self.counters[counter].value

    def reset(self, counter: str):
        with self.counters[counter].get_lock():
            self.counters[counter].value = 0

    def run(self, function: str, payloads: list, on_tick=None) -> list:
        """Worker i runs `module:function`(payloads[i], crew); the results in worker order.

        on_tick(team) is called a few times a second while the job runs (progress bars)."""
        if len(payloads) != self.size:
            raise ValueError(f"{len(payloads)} payloads for {self.size} workers")
        for inbox, payload in zip(self.inboxes, payloads, strict=True):
            inbox.put((function, payload))
        results, failures, pending = [None] * self.size, {}, self.size
        while pending:
            try:
                index, ok, value = self.results.get(timeout=0.2)
            except queue.Empty:
                if on_tick:
                    on_tick(self)
                if not all(process.is_alive() for process in self.processes):
                    raise RuntimeError("a worker process died") from None
                continue
            if ok:
                results[index] = value
            else:
                failures[index] = value
            pending -= 1
        if failures:  # the first to fail broke the barrier, and the others then failed waiting at it
            first = [(i, tb) for i, tb in failures.items() if "BrokenBarrierError" not in tb] or list(failures.items())
            raise RuntimeError(f"{len(failures)} of {self.size} workers failed; worker {first[0][0]}:\n{first[0][1]}")
        if on_tick:
            on_tick(self)
        return results

    def close(self):
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=60)
        for process in self.processes:
            if process.is_alive():  # our own child, stuck: end it by its handle
                process.terminate()
                process.join(timeout=10)
        for inbox in self.inboxes:  # a job a dead worker never took must not keep this process from exiting
            inbox.cancel_join_thread()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
