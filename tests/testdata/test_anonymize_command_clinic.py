"""`klinika anonymize --clinic SLUG`: in production, a clinic becomes a signed anonymized dataset
and the command reports counts, k and what was generalised; a wrong clinic, or --clinic with
--from-records, is a one-line error with nothing written; outside production it refuses."""
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command

from klinika.testdata.datasets.container import b64
from tests.cli.support import klinika_env, run
from tests.testdata.live_clinic_support import build


def _recipient() -> str:
    return b64(X25519PrivateKey.generate().public_key().public_bytes_raw())


@pytest.mark.django_db
def test_production_anonymizes_a_clinic_and_reports_k(settings, tmp_path, capsys):
    clinic, _planted = build(patients=200)
    settings.KLINIKA_ENV = "production"
    call_command("anonymize", "--clinic", clinic.slug, "--out", str(tmp_path / "anon.tar"), "--to", _recipient())
    out = capsys.readouterr().out
    assert out.startswith(f"anonymized dataset {tmp_path / 'anon.tar'}: ") and (tmp_path / "anon.tar").is_file()
    assert "appointments" in out and "encounters" in out and "weekly hours" in out and "(asked 5)" in out
    assert "generalised: birth_year to" in out


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--clinic", "nie-ma-takiej"], "No clinic 'nie-ma-takiej'; `klinika clinic list` shows the clinics"),
    (["--clinic", "x", "--from-records", "/tmp"], "not allowed with argument"),
    ([], "one of the arguments --clinic --from-records is required"),
])
def test_a_wrong_source_is_a_clear_error_and_nothing_is_written(settings, tmp_path, args, message):
    settings.KLINIKA_ENV = "production"
    with pytest.raises(CommandError, match=message):
        call_command("anonymize", *args, "--out", str(tmp_path / "out.tar"), "--to", _recipient())
    assert not (tmp_path / "out.tar").exists()


@pytest.mark.django_db
def test_outside_production_the_clinic_is_not_read(settings, tmp_path):
    clinic, _planted = build(patients=30)
    settings.KLINIKA_ENV = "staging"
    with pytest.raises(CommandError, match="KLINIKA_ENV=production"):
        call_command("anonymize", "--clinic", clinic.slug, "--out", str(tmp_path / "out.tar"), "--to", _recipient())
    assert not (tmp_path / "out.tar").exists()


def test_the_real_command_in_production(tmp_path):
    """A real production installation: `klinika synth`, then `klinika anonymize --clinic` (and a
    wrong slug, a one-line error on stderr)."""
    env = klinika_env(tmp_path / "production", KLINIKA_ENV="production")
    for database in ("default", "keystore"):
        run(["migrate", "--database", database, "--no-input", "-v", "0"], env, check=True)
    run(["synth", "--clinic", "Przychodnia Próbna", "--slug", "probna", "--patients", "100", "--years", "0.3",
         "--seed", "5", "--batch-size", "100"], env, check=True)
    wrong = run(["anonymize", "--clinic", "nie-ma", "--out", str(tmp_path / "x.tar"), "--to", _recipient()], env)
    assert wrong.returncode == 1 and wrong.stdout == ""
    # (production's deploy checks may warn above it: this instance has no real mail or SMS gateway)
    assert wrong.stderr.strip().splitlines()[-1] == (
        "CommandError: No clinic 'nie-ma'; `klinika clinic list` shows the clinics and their slugs")
    assert "Traceback" not in wrong.stderr
    done = run(["anonymize", "--clinic", "probna", "--out", str(tmp_path / "anon.tar"), "--to", _recipient(),
                "--k", "3"], env, check=True)
    assert done.stdout.startswith("anonymized dataset ") and "(asked 3)" in done.stdout
    assert (tmp_path / "anon.tar").is_file() and not (tmp_path / "x.tar").exists()
