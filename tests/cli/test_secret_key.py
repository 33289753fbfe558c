"""SECRET_KEY is random per installation (secrets/secret_key, 0600) or from KLINIKA_SECRET_KEY; never derived."""
import stat
import subprocess
import sys

from tests.klinika_cli import klinika_env, run_klinika

PRINT_SECRET_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def env_for(data_dir, **extra):
    env = klinika_env(data_dir, **extra)
    if "KLINIKA_SECRET_KEY" not in extra:
        env.pop("KLINIKA_SECRET_KEY", None)
    return env


def start(data_dir, **extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PRINT_SECRET_KEY], env=env_for(data_dir, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def secret_key_of(data_dir, **extra) -> str:
    out, err = start(data_dir, **extra).communicate(timeout=120)
    assert out.strip(), err
    return out.strip()


def test_two_installations_never_share_a_secret_key(tmp_path):
    first, second = secret_key_of(tmp_path / "a" / "var"), secret_key_of(tmp_path / "b" / "var")
    assert first != second
    for name, key in (("a", first), ("b", second)):
        path = tmp_path / name / "var" / "secrets" / "secret_key"
        assert path.read_text().strip() == key
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert str(tmp_path) not in key and len(key) >= 50
    # the same installation keeps its key (sessions survive a restart)
    assert secret_key_of(tmp_path / "a" / "var") == first


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    data_dir = tmp_path / "var"
    processes = [start(data_dir) for _ in range(6)]
    keys = {process.communicate(timeout=120)[0].strip() for process in processes}
    assert len(keys) == 1 and "" not in keys
    assert [p.name for p in (data_dir / "secrets").iterdir()] == ["secret_key"]  # no temporary files left


def test_the_environment_wins_and_nothing_is_written(tmp_path):
    assert secret_key_of(tmp_path / "var", KLINIKA_SECRET_KEY="from-the-environment-0123456789") == (
        "from-the-environment-0123456789")
    assert not (tmp_path / "var" / "secrets" / "secret_key").exists()


def test_a_damaged_secret_key_file_stops_klinika_with_one_line(tmp_path):
    secrets = tmp_path / "var" / "secrets"
    secrets.mkdir(parents=True)
    (secrets / "secret_key").write_text("")
    result = run_klinika(tmp_path / "var", "check", env=env_for(tmp_path / "var"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"klinika: {secrets / 'secret_key'} does not hold a secret key: delete it to make a new one "
        f"(everyone is logged out), or set KLINIKA_SECRET_KEY."
    ]
