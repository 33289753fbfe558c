"""The export directory on disk: files written whole or not at all, a journal of the finished ones,
optional age encryption, and the manifest (Contract B) written last.

    DIR/manifest.json                 plaintext; written when every step has finished (complete: true)
    DIR/.klinika-export/state.json    what this export is (clinic, start, recipients, audit watermark)
    DIR/.klinika-export/files.ndjson  one line per finished file, in the order they were finished

A file is written to `<path>.part`, flushed to disk, then renamed to its name; only then is its
journal line appended. After a crash a rerun reads the journal: a file with a line is finished and
is not written again; a file without one (a `.part`, or a rename whose line never landed) is
written again from the start. The state directory is removed once the manifest is in place, so a
finished export holds exactly the files its manifest lists.

Encrypted to age recipients, every file is `<path>.age` (the age format, readable with `age -d`);
the manifest stays plaintext and lists both the hash of what is on disk and of the plaintext.
"""
import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyrage

FORMAT = "klinika-handover/1"
MANIFEST = "manifest.json"
STATE_DIR = ".klinika-export"
STATE = "state.json"
JOURNAL = "files.ndjson"
PART = ".part"
AGE = ".age"
BLOCK = 1 << 20


class ExportError(Exception):
    """The export cannot go on; the message says why and what to do."""


def parse_recipients(texts: Iterable[str]) -> list[str]:
    """age recipients (`age1...`), each checked; the canonical text of each is kept."""
    recipients = []
    for text in texts:
        text = (text or "").strip()
        if not text:
            continue
        try:
            recipients.append(str(pyrage.x25519.Recipient.from_str(text)))
        except pyrage.RecipientError:
            raise ExportError(f"{text[:20]!r}... is not an age recipient: give the clinic's public key, "
                              f"the line starting with 'age1' that `age-keygen` prints") from None
    return sorted(set(recipients))


def read_identities(text: str) -> list:
    """The age identities of a key file (`age-keygen -o key.txt`): lines starting AGE-SECRET-KEY-."""
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                raise ExportError("The identity file holds a line starting AGE-SECRET-KEY- that is not an age "
                                  "identity") from None
    if not identities:
        raise ExportError("The identity file holds no age identity (a line starting AGE-SECRET-KEY-)")
    return identities


class _IterReader(io.RawIOBase):
    """A readable stream over an iterator of byte strings (what pyrage reads from), hashing as it goes."""

    def __init__(self, chunks: Iterable[bytes], digest, counter):
        self._chunks, self._pending = iter(chunks), b""
        self._digest, self._counter = digest, counter

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
            self._digest.update(self._pending)
            self._counter(self._pending)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _HashingWriter(io.RawIOBase):
    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, data):
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)


@dataclass
class Finished:
    """A journal line: one finished file."""

    path: str  # as on disk, relative to the export directory
    sha256: str
    bytes: int
    records: int | None
    step: str
    key: object  # the step's resume key of the item this file was made from
    count: str | None  # the manifest count this file adds to (one per file, or its records for NDJSON)
    plaintext_sha256: str | None = None
    units: int = 1  # progress units it stood for (a FHIR file: its resources)

    def manifest_entry(self) -> dict:
        entry = {"path": self.path, "sha256": self.sha256, "bytes": self.bytes, "records": self.records}
        if self.plaintext_sha256 is not None:
            entry["plaintext_sha256"] = self.plaintext_sha256
        return entry


@dataclass
class Progress:
    """Where each step stands, read from the journal (a few values per step: memory flat in size)."""

    last_key: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)


class ExportDirectory:
    def __init__(self, root: Path, recipients: list[str], *, durable: bool = True):
        self.root = Path(root)
        self.recipients = list(recipients)
        self._age = [pyrage.x25519.Recipient.from_str(r) for r in self.recipients]
        self.durable = durable
        self._journal = None

    # ---- state -----------------------------------------------------------------------------------

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def is_complete(self) -> bool:
        return (self.root / MANIFEST).is_file() and not self.state_dir.exists()

    def read_state(self) -> dict | None:
        try:
            return json.loads((self.state_dir / STATE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def begin(self, state: dict) -> None:
        if self.root.exists() and any(self.root.iterdir()):
            raise ExportError(f"{self.root} is not empty and holds no unfinished export: give a new or empty "
                              f"directory")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)  # the files hold patients' data
        self.state_dir.mkdir(mode=0o700)
        self._write_atomic(self.state_dir / STATE, json.dumps(state, indent=1, sort_keys=True).encode())

    def journal(self) -> Iterator[Finished]:
        """The finished files, in order; a last line cut short by a crash is not one of them."""
        try:
            handle = open(self.state_dir / JOURNAL, "rb")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break
                yield Finished(**json.loads(line))

    def progress(self) -> Progress:
        progress = Progress()
        for done in self.journal():
            progress.last_key[done.step] = done.key
            progress.units[done.step] = progress.units.get(done.step, 0) + done.units
        return progress

    def open_journal(self) -> None:
        path = self.state_dir / JOURNAL
        if path.exists():
            # A line cut short by a crash is dropped, so the next one starts on a line of its own.
            with open(path, "rb+") as handle:
                data_end = 0
                for line in handle:
                    if line.endswith(b"\n"):
                        data_end += len(line)
                handle.truncate(data_end)
        self._journal = open(path, "ab")

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # ---- files -------------------------------------------------------------------------------------

    def disk_path(self, path: str) -> str:
        return path + AGE if self._age else path

    def write(self, path: str, chunks: Iterable[bytes], *, step: str, key, count: str | None,
              units: int = 1) -> Finished:
        """One file, written whole (to .part, synced, renamed), then journalled as finished."""
        check_path(path)
        on_disk = self.disk_path(path)
        target = self.root / on_disk
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        part = target.with_name(target.name + PART)
        plain, lines = hashlib.sha256(), [0]

        def count_lines(data: bytes):
            lines[0] += data.count(b"\n")

        with open(part, "wb") as handle:
            writer = _HashingWriter(handle)
            if self._age:
                pyrage.encrypt_io(io.BufferedReader(_IterReader(chunks, plain, count_lines), BLOCK), writer,
                                  self._age)
            else:
                for chunk in chunks:
                    plain.update(chunk)
                    count_lines(chunk)
                    writer.write(chunk)
            handle.flush()
            if self.durable:
                os.fsync(handle.fileno())
        os.replace(part, target)
        done = Finished(path=on_disk, sha256=writer.digest.hexdigest(), bytes=writer.size,
                        records=lines[0] if path.endswith(".ndjson") else None, step=step, key=key, count=count,
                        plaintext_sha256=plain.hexdigest() if self._age else None)
        done.units = units if units else (done.records or 0)
        self._journal.write(json.dumps(done.__dict__, sort_keys=True, separators=(",", ":")).encode() + b"\n")
        self._journal.flush()
        return done

    def write_plain(self, path: str, chunks: Iterable[bytes], *, step: str, key, count: str | None = None,
                    units: int = 1) -> Finished:
        """A file that stays plaintext even in an encrypted export (the README: it says how to decrypt)."""
        age, self._age = self._age, []
        try:
            return self.write(path, chunks, step=step, key=key, count=count, units=units)
        finally:
            self._age = age

    # ---- the end ----------------------------------------------------------------------------------

    def finish(self, header: dict) -> bytes:
        """The manifest (files in journal order, counts summed from them), then the state removed."""
        counts: dict[str, int] = {}
        for done in self.journal():
            if done.count:
                counts[done.count] = counts.get(done.count, 0) + (done.records if done.records is not None else 1)
        manifest = {"format": FORMAT, **header, "complete": True, "counts": dict(sorted(counts.items()))}
        if self.recipients:
            manifest["encryption"] = {"scheme": "age", "recipients": self.recipients,
                                      "files": f"every file but {MANIFEST} and README.txt is age-encrypted "
                                               f"and named <path>{AGE}"}
        head = json.dumps(manifest, indent=1, ensure_ascii=False)
        assert head.endswith("\n}")
        part = self.root / (MANIFEST + PART)
        digest = hashlib.sha256()
        with open(part, "wb") as handle:
            def put(text: str):
                data = text.encode()
                digest.update(data)
                handle.write(data)

            # Written entry by entry: the list can hold hundreds of thousands of files.
            put(head[:-2] + ',\n "files": [')
            for index, done in enumerate(self.journal()):
                put(("\n  " if index == 0 else ",\n  ") + json.dumps(done.manifest_entry(), sort_keys=True))
            put("\n ]\n}\n")
            handle.flush()
            if self.durable:
                os.fsync(handle.fileno())
        os.replace(part, self.root / MANIFEST)
        self.close()
        self._remove_parts()
        shutil.rmtree(self.state_dir)
        return digest.hexdigest()

    def _remove_parts(self):
        for part in self.root.rglob("*" + PART):
            part.unlink()

    def _write_atomic(self, path: Path, data: bytes):
        part = path.with_name(path.name + PART)
        with open(part, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)


def check_path(path: str) -> None:
    """A relative path inside the export, never one that climbs out of it."""
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in path or "\x00" in path:
        raise ValueError(f"not a path inside the export: {path!r}")


def open_plaintext(root: Path, entry_path: str, identities: list | None) -> Iterator[bytes]:
    """The plaintext of one listed file, streamed (decrypted with the identities when it is .age)."""
    check_path(entry_path)
    path = Path(root) / entry_path
    if not entry_path.endswith(AGE):
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(BLOCK), b"")
        return
    if not identities:
        raise ExportError(f"{entry_path} is age-encrypted: give the clinic's identity file with --identity")
    yield from _decrypted(path, entry_path, identities)


class _QueueWriter(io.RawIOBase):
    def __init__(self, queue):
        self.queue = queue

    def writable(self):
        return True

    def write(self, data):
        self.queue.put(bytes(data))
        return len(data)


def _decrypted(path: Path, entry_path: str, identities: list) -> Iterator[bytes]:
    """pyrage decrypts from a reader into a writer; a thread runs it into a short queue, so the
    plaintext streams out a block at a time (an NDJSON file of a large clinic is never held whole)."""
    import queue
    import threading

    chunks: queue.Queue = queue.Queue(maxsize=8)
    failure: list = []
    end = object()

    def run():
        try:
            with open(path, "rb") as handle:
                pyrage.decrypt_io(handle, io.BufferedWriter(_QueueWriter(chunks), BLOCK), identities)
        except Exception as exc:  # handed to the reading side
            failure.append(exc)
        finally:
            chunks.put(end)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    finished = False
    try:
        while (chunk := chunks.get()) is not end:
            yield chunk
        finished = True
    finally:
        if not finished:  # the reader stopped early: let the thread run out rather than block forever
            while chunks.get() is not end:
                pass
    worker.join()
    if failure:
        if isinstance(failure[0], pyrage.DecryptError):
            raise ExportError(f"{entry_path} does not decrypt with this identity: the export was encrypted to "
                              f"another recipient") from None
        raise failure[0]
