"""Where klinika keeps its state: one data directory, chosen by KLINIKA_DATA_DIR."""
import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("KLINIKA_DATA_DIR") or Path.cwd() / "var").resolve()


def root_key_file() -> Path:
    configured = os.environ.get("KLINIKA_ROOT_KEY_FILE")
    if configured:
        return Path(configured).resolve()
    # A file of its own, in a directory of its own: never inside a database file,
    # so copying the databases does not copy the key.
    return data_dir() / "secrets" / "root.key"
