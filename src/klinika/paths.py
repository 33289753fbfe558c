"""Where klinika keeps its state: one data directory, chosen by KLINIKA_DATA_DIR."""
import base64
import binascii
import os
from pathlib import Path

# The directory klinika's code is imported from (src/ in a checkout, site-packages when
# installed) and the package itself. State kept there ends up in commits, wheels and
# package upgrades, so a data directory there is refused before anything is created.
_PACKAGE_DIR = Path(__file__).resolve().parent
_CODE_DIRS = (_PACKAGE_DIR, _PACKAGE_DIR.parent)


class DataDirError(RuntimeError):
    """The data directory (or a secret in it) cannot be used; the message says how to fix it."""


def data_dir() -> Path:
    configured = os.environ.get("KLINIKA_DATA_DIR")
    path = Path(configured or Path.cwd() / "var").resolve()
    if configured:
        return _outside_code(path, f"the data directory {path} (KLINIKA_DATA_DIR)",
                             "set KLINIKA_DATA_DIR to a directory outside it (e.g. /var/lib/klinika)")
    return _outside_code(path, f"the data directory {path} (the default, ./var of the current directory)",
                         "run klinika from another directory, or set KLINIKA_DATA_DIR to a directory "
                         "outside it (e.g. /var/lib/klinika)")


def root_key_file() -> Path:
    configured = os.environ.get("KLINIKA_ROOT_KEY_FILE")
    if configured:
        path = Path(configured).resolve()
        return _outside_code(path, f"the root key file {path} (KLINIKA_ROOT_KEY_FILE)",
                             "set KLINIKA_ROOT_KEY_FILE to a file outside it")
    # A file of its own, in a directory of its own: never inside a database file,
    # so copying the databases does not copy the key.
    return data_dir() / "secrets" / "root.key"


def _outside_code(path: Path, what: str, fix: str) -> Path:
    for code_dir in _CODE_DIRS:
        if path == code_dir or code_dir in path.parents:
            raise DataDirError(f"{what} is inside klinika's code ({code_dir}), where state gets committed "
                               f"or packaged: {fix}.")
    return path


SECRET_KEY_BYTES = 48


def secret_key(directory: Path) -> str:
    """Django's SECRET_KEY of this installation: random, made on the first run, kept in
    `<data dir>/secrets/secret_key` (mode 0600).

    The file appears complete or not at all: the key is written to a private temporary file
    and hard-linked into place, which fails if the file exists (O_EXCL semantics). Two
    processes starting at once on a new data directory both end up reading the one that won.
    """
    path = directory / "secrets" / "secret_key"
    try:
        if not os.path.lexists(path):
            _create_secret_key(path)
        text = path.read_bytes().decode("ascii", errors="replace").strip()
    except OSError as exc:
        raise DataDirError(
            f"cannot make or read the secret key {path} ({exc.strerror}): run klinika as the user "
            f"that owns the data directory, or set KLINIKA_SECRET_KEY."
        ) from None
    try:
        valid = len(base64.b64decode(text, validate=True)) >= 32
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise DataDirError(
            f"{path} does not hold a secret key: delete it to make a new one (everyone is logged "
            f"out), or set KLINIKA_SECRET_KEY."
        )
    return text


def _create_secret_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.parent / f".secret_key.{os.getpid()}.{os.urandom(8).hex()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(os.urandom(SECRET_KEY_BYTES)).decode() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: everyone uses that one
    finally:
        os.unlink(temporary)
