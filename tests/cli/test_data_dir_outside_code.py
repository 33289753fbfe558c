"""klinika refuses a data directory (or root key file) inside its own code, before creating anything.

That is how a root key and a keystore once got committed: a command run with the working
directory inside the package made ./var there.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import klinika
from tests.klinika_cli import klinika_env

PACKAGE = Path(klinika.__file__).resolve().parent
IMPORT_ROOT = PACKAGE.parent  # src/ in a checkout, site-packages when installed


def tree(directory: Path) -> set[str]:
    """Every path under the directory, bytecode caches aside (Python itself writes those)."""
    return {str(Path(root, name)) for root, dirs, files in os.walk(directory) for name in dirs + files
            if "__pycache__" not in Path(root, name).parts}


@pytest.fixture(autouse=True)
def _leave_the_code_as_it_was():
    """Should the guard ever fail, what klinika made in the package must not stay (or be committed)."""
    before = tree(IMPORT_ROOT)
    yield
    for path in sorted(tree(IMPORT_ROOT) - before, key=len, reverse=True):
        Path(path).rmdir() if Path(path).is_dir() and not Path(path).is_symlink() else Path(path).unlink()


def run(args, *, cwd, env):
    return subprocess.run([sys.executable, "-m", "klinika.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def assert_refused(result, *, naming: str, before: set[str]):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith("klinika: ") and naming in lines[0] and "inside klinika's code" in lines[0]
    assert tree(IMPORT_ROOT / "klinika") == before, "something was created inside the package"
    assert not (IMPORT_ROOT / "var").exists() and not (PACKAGE / "var").exists()


def default_env(tmp_path):
    env = klinika_env(tmp_path / "unused")
    del env["KLINIKA_DATA_DIR"]  # the default: ./var of the working directory
    return env


@pytest.mark.parametrize("cwd", [PACKAGE, PACKAGE / "web", IMPORT_ROOT], ids=["package", "subpackage", "import-root"])
def test_default_data_dir_inside_the_code_is_refused(tmp_path, cwd):
    before = tree(PACKAGE)
    result = run(["check"], cwd=cwd, env=default_env(tmp_path))
    assert_refused(result, naming="KLINIKA_DATA_DIR", before=before)


def test_klinika_data_dir_pointing_into_the_package_is_refused(tmp_path):
    before = tree(PACKAGE)
    result = run(["check"], cwd=tmp_path, env=klinika_env(PACKAGE / "var"))
    assert_refused(result, naming="KLINIKA_DATA_DIR", before=before)


def test_a_symlink_into_the_package_is_refused_too(tmp_path):
    (tmp_path / "link").symlink_to(PACKAGE)
    before = tree(PACKAGE)
    result = run(["migrate"], cwd=tmp_path, env=klinika_env(tmp_path / "link" / "data"))
    assert_refused(result, naming="KLINIKA_DATA_DIR", before=before)


def test_root_key_file_inside_the_code_is_refused(tmp_path):
    before = tree(PACKAGE)
    env = klinika_env(tmp_path / "var", KLINIKA_ROOT_KEY_FILE=IMPORT_ROOT / "root.key")
    result = run(["check"], cwd=tmp_path, env=env)
    assert_refused(result, naming="KLINIKA_ROOT_KEY_FILE", before=before)
    assert not (tmp_path / "var").exists()


def test_default_data_dir_elsewhere_starts(tmp_path):
    result = run(["check"], cwd=tmp_path, env=default_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "secrets" / "root.key").is_file()
