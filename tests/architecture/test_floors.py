"""The floors of DESIGN.md hold: `lint-imports` passes on the source and fails on a planted upward import."""
import shutil
import subprocess
import sys
from pathlib import Path

import klinika

PROJECT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(source_root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(PROJECT / "pyproject.toml"), "--no-cache"],
        cwd=source_root, env={"PYTHONPATH": str(source_root), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300)


def test_the_source_keeps_its_floors():
    result = lint_imports(Path(klinika.__file__).resolve().parents[1])
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "src" / "klinika"
    shutil.copytree(Path(klinika.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    planted = copy / "crypto" / "planted.py"
    planted.write_text("from klinika.records import models  # floor 0 reaching up to floor 4\n")
    result = lint_imports(tmp_path / "src")
    assert result.returncode != 0
    assert "klinika.crypto.planted -> klinika.records.models" in result.stdout
