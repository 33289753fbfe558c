"""`klinika worker` as an operator runs it: once from cron, or as a service that SIGTERM stops cleanly."""
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.cli.support import KLINIKA, klinika_env, personal_values, run


@pytest.fixture
def data_dir(seeded, tmp_path):
    return seeded.copy(tmp_path)


@pytest.fixture
def env(data_dir):
    return klinika_env(data_dir)


def _sms_lines(data_dir) -> int:
    outbox = data_dir / "outbox" / "sms.jsonl"
    return len(outbox.read_text().splitlines()) if outbox.exists() else 0


def _reminder_rows(data_dir) -> int:
    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    try:
        return con.execute("SELECT count(*) FROM scheduling_reminder").fetchone()[0]
    finally:
        con.close()


def _assert_no_personal_data(text, seeded):
    leaked = [label for label, value in personal_values(seeded.values) if value in text]
    assert not leaked, leaked


def test_once_queues_the_demo_clinic_and_a_second_run_sends_nothing_more(env, data_dir, seeded):
    first = run(["worker", "--once", "--interval", "0"], env, check=True)
    assert "demo: queued reminders (task " in first.stderr and "edocs (task " in first.stderr, first.stderr
    assert "ran 4 task(s), 0 failed" in first.stderr, first.stderr
    sent, reminders = _sms_lines(data_dir), _reminder_rows(data_dir)
    # How many depends on the weekday (the demo books weekdays only): what matters is that a
    # second run adds none. Sending itself is tested in tests/scheduling/test_worker_command.py.

    second = run(["worker", "--once", "--interval", "0"], env, check=True)
    assert "demo: queued reminders" in second.stderr
    assert (_sms_lines(data_dir), _reminder_rows(data_dir)) == (sent, reminders)
    _assert_no_personal_data(first.stdout + first.stderr + second.stdout + second.stderr, seeded)


def _wait_for(path, text, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text():
            return
        assert process.poll() is None, path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged within {seconds}s:\n{path.read_text()}")


def test_sigterm_stops_the_service_cleanly(env, data_dir, tmp_path):
    log = tmp_path / "worker.log"
    with open(log, "w") as sink:
        process = subprocess.Popen([*KLINIKA, "worker", "--every", "300", "--interval", "0.2"], env=env,
                                   cwd=data_dir, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT)
        try:
            _wait_for(log, "ran 4 task(s)", process)  # the first round is queued and done: now it idles
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log.read_text()
    assert "SIGTERM received" in output and output.rstrip().endswith("stopped"), output
    assert "Traceback" not in output
