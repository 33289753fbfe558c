"""Files encrypted under a patient's subject key, in segments, so a download never holds the whole file.

    file     = MAGIC | key id (16) | segment size (4) | segment, segment, ...
    segment  = AES-256-GCM(file key, nonce = index (11 bytes) | last (1 byte), chunk, aad)
    file key = HKDF-SHA256(subject key, salt = attachment public_id, info = "klinika/attachment/v1")
    aad      = "klinika/attachment/v1|" | clinic id | public_id

Each file has a key of its own (derived, never stored), so counter nonces never repeat; the aad
binds the file to its clinic and attachment; the "last" flag makes a truncated file fail. Erasing
the patient's subject key (or shredding the clinic) makes every file unreadable with it.
"""
import os
from collections.abc import Iterable, Iterator
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from klinika.crypto import keystore
from klinika.crypto.errors import DecryptionFailed, KeyNotFound
from klinika.tenancy.context import cross_clinic_reason, current_clinic_id

MAGIC = b"KLA\x01"
HEADER = len(MAGIC) + 16 + 4
SEGMENT = 64 * 1024
TAG = 16
INFO = b"klinika/attachment/v1"


def _file_key(material: bytes, public_id: UUID) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=public_id.bytes, info=INFO).derive(material))


def _aad(clinic_id: UUID, public_id: UUID) -> bytes:
    return INFO + b"|" + clinic_id.bytes + public_id.bytes


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _segments(chunks: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """Re-cut a stream into `size`-byte pieces, telling which one is the last."""
    buffer, pending = b"", None
    for chunk in chunks:
        buffer += chunk
        while len(buffer) > size:  # keep at least one byte back until we know whether more comes
            if pending is not None:
                yield pending, False
            pending, buffer = buffer[:size], buffer[size:]
    if pending is not None:
        if buffer:
            yield pending, False
            yield buffer, True
        else:
            yield pending, True
    elif buffer:
        yield buffer, True


def encrypt(chunks: Iterable[bytes], *, clinic_id: UUID, subject_ref: UUID, public_id: UUID) -> Iterator[bytes]:
    """Ciphertext pieces of the plaintext `chunks` (which must not be empty)."""
    key = keystore.subject_key(clinic_id, subject_ref)
    aead, aad = _file_key(key.material, public_id), _aad(clinic_id, public_id)
    yield MAGIC + key.key_id.bytes + SEGMENT.to_bytes(4, "big")
    for index, (piece, last) in enumerate(_segments(chunks, SEGMENT)):
        yield aead.encrypt(_nonce(index, last), piece, aad)


def decrypt(chunks: Iterable[bytes], *, clinic_id: UUID, public_id: UUID) -> Iterator[bytes]:
    """Plaintext pieces; raises DecryptionFailed for a file that was altered, cut short or moved,
    and KeyDestroyed once the patient's key (or the clinic's) was destroyed."""
    stream = iter(chunks)
    buffer = b""
    for chunk in stream:
        buffer += chunk
        if len(buffer) >= HEADER:
            break
    if len(buffer) < HEADER or not buffer.startswith(MAGIC):
        raise DecryptionFailed("attachment: not a klinika encrypted file")
    key = keystore.key_by_raw_id(buffer[4:20])
    if key.clinic_id != clinic_id or (current_clinic_id() not in (None, clinic_id) and cross_clinic_reason() is None):
        raise KeyNotFound("attachment: encrypted for another clinic")
    size = int.from_bytes(buffer[20:24], "big")
    aead, aad = _file_key(key.material, public_id), _aad(clinic_id, public_id)
    index = 0
    rest = _rechain(buffer[HEADER:], stream)
    for piece, last in _segments(rest, size + TAG):
        try:
            yield aead.decrypt(_nonce(index, last), piece, aad)
        except InvalidTag:
            raise DecryptionFailed("attachment: the file failed authentication (altered, truncated or moved)") \
                from None
        index += 1
    if index == 0:
        raise DecryptionFailed("attachment: the file has no content")


def _rechain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def random_name() -> str:
    """A storage name that says nothing about the file, its patient or its clinic."""
    return os.urandom(16).hex()
