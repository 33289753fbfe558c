"""KLINIKA_ENV=production: `serve` refuses unsafe settings one line each; the default gateway sends nothing."""
import secrets
import sqlite3

import pytest

from tests.cli.support import klinika_env, run

# Everything a production deployment needs, so each test breaks exactly what it is about.
SAFE = {"KLINIKA_ENV": "production", "KLINIKA_HTTPS": "1", "KLINIKA_TRUSTED_PROXY": "127.0.0.1",
        "KLINIKA_ALLOWED_HOSTS": "klinika.example.pl", "KLINIKA_SECRET_KEY": secrets.token_urlsafe(48),
        "KLINIKA_PUBLIC_URL": "https://klinika.example.pl", "KLINIKA_SMS_BACKEND": "smsapi",
        "KLINIKA_SMSAPI_TOKEN": "token", "KLINIKA_EMAIL_BACKEND": "smtp"}


def _refused(result, *settings, optional=()):
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout
    assert "refusing to serve with KLINIKA_ENV=production" in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    for setting in settings:
        assert len([line for line in lines if line.lstrip().startswith(setting)]) == 1, (setting, result.stderr)
    others = [line for line in lines if not line.lstrip().startswith(tuple(settings) + tuple(optional))]
    assert others == [], result.stderr
    assert "klinika at http" not in result.stdout


def test_the_file_sms_backend_is_refused_and_nothing_is_written(tmp_path):
    data = tmp_path / "data"
    result = run(["serve", "--port", "1"], klinika_env(data, **{**SAFE, "KLINIKA_SMS_BACKEND": "file"}), timeout=60)
    _refused(result, "KLINIKA_SMS_BACKEND=file")
    assert "Set KLINIKA_SMS_BACKEND=smsapi" in result.stderr
    assert not (data / "outbox").exists()


def test_every_unsafe_default_is_named_on_a_line_of_its_own(tmp_path):
    data = tmp_path / "data"
    result = run(["serve", "--port", "1"], klinika_env(data, KLINIKA_ENV="production", KLINIKA_DEBUG="1",
                                                        KLINIKA_EMAIL_BACKEND="console"), timeout=60)
    _refused(result, "KLINIKA_HTTPS", "KLINIKA_DEBUG", "KLINIKA_ALLOWED_HOSTS", "KLINIKA_PUBLIC_URL",
             "KLINIKA_EMAIL_BACKEND", optional=["KLINIKA_SECRET_KEY"])  # no line once the key is random per install


def test_check_lists_the_unsafe_settings_and_the_missing_gateways(tmp_path):
    production = run(["check"], klinika_env(tmp_path / "data", KLINIKA_ENV="production"), timeout=60)
    assert production.returncode == 0 and "Traceback" not in production.stderr
    assert "(klinika.W001) KLINIKA_HTTPS is off" in production.stderr, production.stderr
    assert "(notify.W003) No SMS gateway is configured" in production.stderr  # the default: none
    assert "(notify.W004) No e-mail server is configured" in production.stderr
    env = klinika_env(tmp_path / "data")
    assert run(["check"], env, timeout=60).stderr == ""  # a developer's commands stay quiet
    deploy = run(["check", "--deploy"], env, timeout=60)
    for check_id in ("klinika.W001", "klinika.W003", "klinika.W005", "notify.W003", "notify.W004"):
        assert check_id in deploy.stderr, deploy.stderr


def test_a_misspelt_environment_is_refused(tmp_path):
    result = run(["check"], klinika_env(tmp_path / "data", KLINIKA_ENV="prod"), timeout=60)
    assert result.returncode != 0 and "KLINIKA_ENV='prod'" in result.stderr
    assert "production, staging, test, dev" in result.stderr


@pytest.fixture
def data_dir(seeded, tmp_path):
    return seeded.copy(tmp_path)


def test_without_a_gateway_the_worker_records_failures_and_writes_no_outbox(data_dir):
    run(["worker", "--once", "--interval", "0"], klinika_env(data_dir), check=True)
    assert not (data_dir / "outbox").exists()
    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    try:
        messages = dict(con.execute("SELECT status, count(*) FROM notify_outboundmessage GROUP BY status"))
        reminders = dict(con.execute("SELECT status, count(*) FROM scheduling_reminder GROUP BY status"))
        errors = {e for (e,) in con.execute("SELECT DISTINCT error FROM notify_outboundmessage")}
    finally:
        con.close()
    assert "sent" not in messages and "sent" not in reminders, (messages, reminders)
    assert messages.get("failed", 0) == reminders.get("failed", 0)
    assert all(error.startswith("not configured") for error in errors), errors


def test_the_demo_clinic_is_never_made_in_production(tmp_path):
    data = tmp_path / "data"
    result = run(["demo", "--no-serve"], klinika_env(data, **SAFE), timeout=60)
    assert result.returncode != 0
    assert "klinika demo does not run with KLINIKA_ENV=production" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was seeded: the clinic database was not even migrated.
    database = data / "klinika.sqlite3"
    if database.exists():
        tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        assert ("patients_patient",) not in tables
