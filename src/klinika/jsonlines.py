"""JSON Lines read from a stream of byte chunks (a decrypted file read block by block): one record at
a time, whatever the chunk boundaries, so memory stays flat in the file's size."""
import json
from collections.abc import Iterable, Iterator


def records(chunks: Iterable[bytes]) -> Iterator[dict]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from (json.loads(line) for line in lines if line.strip())
    if pending.strip():
        yield json.loads(pending)
