"""A non-production instance refuses to start (`shell`, `serve`, `worker`, wsgi) on a copy of a
production installation: first for its production keystore and root key, and, were that mark gone,
for its clinic that came from no signed dataset. Production itself starts as before."""
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.cli.support import free_port, klinika_env, run

SHELL = ["shell", "--no-imports", "-c", "print('started')"]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    data = tmp_path_factory.mktemp("guard") / "production"
    env = klinika_env(data, KLINIKA_ENV="production")
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], env, check=True)
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    run(["clinic", "create", "Przychodnia Prawdziwa", "--slug", "prawdziwa"], env, check=True)
    return data


def _refused(result, *phrases):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith("klinika: ") and "\n" not in line, line
    for phrase in phrases:
        assert phrase in line, line


def test_a_copy_of_production_with_its_keystore_is_refused(production, tmp_path):
    copy = tmp_path / "staging"
    shutil.copytree(production, copy)
    env = klinika_env(copy, KLINIKA_ENV="staging")
    for args in (SHELL, ["serve", "--port", str(free_port())], ["worker", "--once"],
                 ["testenv", "status"]):
        _refused(run(args, env), "Production root key", "KLINIKA_ENV=staging", "klinika testenv")
    assert run(SHELL, klinika_env(production, KLINIKA_ENV="production"),
               check=True).stdout.strip() == "started"


def test_a_clinic_without_a_dataset_signature_is_refused(production, tmp_path):
    copy = tmp_path / "test-env"
    shutil.copytree(production, copy)
    with sqlite3.connect(copy / "keystore.sqlite3") as keystore:  # a keystore from before the production mark
        keystore.execute("UPDATE crypto_rootkeycheck SET environment = ''")
    env = klinika_env(copy, KLINIKA_ENV="test")
    expected = ("Refusing to start with KLINIKA_ENV=test: 1 clinic(s) hold data without a valid, unexpired "
                "dataset signature", "prawdziwa: no dataset signature", "klinika testenv load")
    for args in (SHELL, ["serve", "--port", str(free_port())], ["worker", "--once"]):
        _refused(run(args, env), *expected)
    wsgi = subprocess.run([sys.executable, "-c", "import klinika.wsgi"], env={**env, "DJANGO_SETTINGS_MODULE":
                          "klinika.settings"}, capture_output=True, text=True, timeout=120, cwd=copy)
    _refused(wsgi, *expected)
    status = run(["testenv", "status"], env, check=True)  # the operator can still see why
    assert "prawdziwa: none, refused: no dataset signature" in status.stdout
