"""The operator's case: `klinika clinic export` killed (SIGKILL) half-way and the same command run
again continues where it stopped and ends with an export that verifies; the files finished before
the kill are not written again."""
import json
import signal
import subprocess
import time

import pytest

from tests.cli.support import KLINIKA, klinika_env, run, seeded_sqlite


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    return seeded_sqlite(tmp_path_factory)


def test_killed_export_continues_on_rerun(seeded, tmp_path):
    env = klinika_env(seeded.copy(tmp_path))  # migrated databases; a small clinic of its own to export
    run(["synth", "--clinic", "Przychodnia Mała", "--slug", "mala", "--patients", "8", "--years", "0.5",
         "--seed", "3"], env, check=True)
    out = tmp_path / "export"
    command = ["clinic", "export", "mala", "--out", str(out)]
    process = subprocess.Popen([*KLINIKA, *command], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    journal = out / ".klinika-export" / "files.ndjson"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 5:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished_before = [json.loads(line)["path"] for line in journal.read_text().splitlines()]
    assert len(finished_before) >= 5 and not (out / "manifest.json").exists()
    stamps = {path: (out / path).stat().st_mtime_ns for path in finished_before}

    again = run(command, env, check=True)
    assert f"exported mala to {out} (resumed)" in again.stdout
    assert {path: (out / path).stat().st_mtime_ns for path in finished_before} == stamps
    verified = run(["clinic", "verify-export", str(out)], env, check=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert f"ok: {len(manifest['files'])} files" in verified.stdout
    assert set(finished_before) <= {entry["path"] for entry in manifest["files"]}
