"""Running the real `klinika` command in a subprocess, against a data directory of its own."""
import os
import subprocess
import sys

# Variables of the test process that must not leak into a separate klinika installation.
_NOT_INHERITED = ("DATABASE_URL", "KEYSTORE_DATABASE_URL", "KLINIKA_ROOT_KEY", "KLINIKA_ROOT_KEY_FILE")


def klinika_env(data_dir, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    # production settings, not the test suite's (which makes a random root key per process)
    env.update(KLINIKA_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="klinika.settings")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_klinika(data_dir, *args, env=None, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "klinika.cli", *args], env=env or klinika_env(data_dir),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
