"""The check CI runs over every tracked file: no key, no database file, no secret.

Two layers, both over `git ls-files`:
- klinika's own rules: what klinika itself writes (root keys, secret keys, SQLite databases,
  data directories, outboxes) recognised by name and by content, whatever the file is called;
- detect-secrets (`detect-secrets-hook --baseline .secrets.baseline`) for secrets in general
  (high-entropy strings, passwords, tokens). The baseline lists only audited false positives.

`python -m tests.repo.tracked [REPO]` prints the problems and exits 1 if there are any.
"""
import base64
import binascii
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE = ".secrets.baseline"
SQLITE_MAGIC = b"SQLite format 3\x00"
# Written so that this file does not match itself.
PEM_PRIVATE_KEY = re.compile(rb"-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-{5}")
# A line holding 32 random bytes in base64 (44 characters), like secrets/root.key or a
# KLINIKA_ROOT_KEY=... line in an environment file.
KEY_LINE = re.compile(rb"(?:^|[\s=:\"'])([A-Za-z0-9+/]{43}=)(?=[\s\"']|$)", re.MULTILINE)
ALLOWLIST = b"pragma: allowlist secret"
KEY_SUFFIXES = {".key", ".pem", ".p12", ".pfx", ".jks", ".keystore", ".kdbx"}
KEY_NAMES = {"secret_key", "root.key", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env"}
DATABASE_NAME = re.compile(r"\.(sqlite3?|db)(-wal|-shm|-journal)?$", re.IGNORECASE)
STATE_DIRECTORIES = {"var", "outbox"}


def tracked_files(repo: Path) -> list[str]:
    result = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"git ls-files failed in {repo}: {result.stderr.decode(errors='replace').strip()}")
    return [name for name in result.stdout.decode().split("\0") if name]


def file_problems(repo: Path, name: str) -> list[str]:
    path = Path(name)
    problems = []
    if path.suffix.lower() in KEY_SUFFIXES or path.name.lower() in KEY_NAMES:
        problems.append(f"{name}: a key or secrets file (by its name)")
    if DATABASE_NAME.search(path.name):
        problems.append(f"{name}: a database file (by its name)")
    if STATE_DIRECTORIES & {part.lower() for part in path.parts[:-1]}:
        problems.append(f"{name}: inside a data directory or outbox (var/, outbox/)")
    try:
        content = (repo / name).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return problems  # deleted in the work tree, or a submodule: nothing to read
    if content.startswith(SQLITE_MAGIC):
        problems.append(f"{name}: an SQLite database (by its content)")
    if PEM_PRIVATE_KEY.search(content):
        problems.append(f"{name}: holds a PEM private key")
    for match in KEY_LINE.finditer(content):
        start = content.rfind(b"\n", 0, match.start(1)) + 1
        end = content.find(b"\n", match.end(1))
        if ALLOWLIST in content[start:end if end >= 0 else len(content)]:
            continue  # a reviewed test vector, marked as detect-secrets marks them
        try:
            if len(base64.b64decode(match.group(1), validate=True)) == 32:
                line = content.count(b"\n", 0, match.start(1)) + 1
                problems.append(f"{name}:{line}: holds a 32-byte key in base64")
        except binascii.Error:
            pass
    return problems


def detect_secrets_problems(repo: Path, files: list[str]) -> list[str]:
    """detect-secrets-hook over the files, against a copy of the repository's baseline
    (the hook rewrites the baseline it is given when line numbers moved; CI must not)."""
    hook = Path(sys.executable).with_name("detect-secrets-hook")
    command = [str(hook)] if hook.exists() else [sys.executable, "-m", "detect_secrets.pre_commit_hook"]
    files = [name for name in files if name != BASELINE and (repo / name).is_file()]
    with tempfile.TemporaryDirectory() as scratch:
        if (repo / BASELINE).exists():
            copy = Path(scratch) / BASELINE
            shutil.copyfile(repo / BASELINE, copy)
            command += ["--baseline", str(copy)]
        result = subprocess.run([*command, *files], cwd=repo, capture_output=True, text=True, timeout=300)
    # 0: nothing new; 3: nothing new, only line numbers of baselined false positives moved.
    if result.returncode in (0, 3):
        return []
    return [f"detect-secrets-hook found secrets not in {BASELINE} (exit {result.returncode}):\n"
            f"{result.stdout.strip()}\n{result.stderr.strip()}".rstrip()]


def problems(repo: Path) -> list[str]:
    files = tracked_files(repo)
    found = [problem for name in files for problem in file_problems(repo, name)]
    return found + detect_secrets_problems(repo, files)


if __name__ == "__main__":
    repo = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    found = problems(repo)
    print("\n".join(found) if found else f"no key, database or secret tracked in {repo}")
    sys.exit(1 if found else 0)
