"""An erasure run from another process reaches a running server within seconds (issue 8,
item 7): `klinika keys erase-subject` in one process, a real `klinika serve` in another, with
its key cache warm and the default 300 s cache lifetime. The server notices at its next look at
the keystore's revocation counter (every KLINIKA_KEY_REVOCATION_SECONDS, 2 s by default)."""
import re
import sqlite3
import subprocess
import time
import uuid

import requests

from klinika.testdata.demo import DEMO_PASSWORD
from tests.cli.support import KLINIKA, free_port, klinika_env, run

LIMIT = 10  # seconds, from the end of the erasing command to a page without the person


def start_server(env, data_dir, port, log):
    process = subprocess.Popen([*KLINIKA, "serve", "--port", str(port)], env=env, cwd=data_dir,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 120 s")


def logged_in(base):
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/login/", data={"username": "rejestracja1", "password": DEMO_PASSWORD,
                                                  "csrfmiddlewaretoken": token},
                          headers={"Referer": f"{base}/login/"}, timeout=10)
    assert answer.status_code == 200 and "/login" not in answer.url, answer.url
    return session


def a_patient(data_dir):
    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    try:
        pk, subject_ref = con.execute("SELECT id, subject_ref FROM patients_patient ORDER BY id LIMIT 1").fetchone()
    finally:
        con.close()
    return pk, uuid.UUID(subject_ref)


def test_a_running_server_stops_showing_an_erased_person_within_seconds(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    env = klinika_env(data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pk, subject_ref = a_patient(data_dir)
    with open(tmp_path / "serve.log", "w") as log:
        server = start_server(env, data_dir, port, log)
        try:
            session = logged_in(base)
            shown = session.get(f"{base}/api/patients/{pk}", timeout=10)
            assert shown.status_code == 200, shown.text
            person = shown.json()
            assert person["last_name"] and person["pesel"]  # read through the server's (now warm) key cache

            run(["keys", "erase-subject", "demo", str(subject_ref), "--reason", "test: erasure reaches servers"],
                env, check=True)
            erased_at = time.monotonic()
            while True:
                answer = session.get(f"{base}/api/patients/{pk}", timeout=10)
                assert answer.status_code < 500, answer.text
                if person["last_name"] not in answer.text and person["pesel"] not in answer.text:
                    break
                assert time.monotonic() - erased_at < LIMIT, f"still shown {LIMIT} s after the erasure"
                time.sleep(0.1)
            took = time.monotonic() - erased_at
            print(f"erased person gone from the running server after {took:.2f} s")
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
