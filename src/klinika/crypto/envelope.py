"""Field-level envelope encryption.

ciphertext = version (1 byte) | key id (16 bytes) | nonce (12 bytes) | AES-256-GCM(plaintext, aad)
aad        = "klinika/v1" | clinic id | table | column

The aad binds a value to its clinic, table and column: moved anywhere else it fails to
authenticate. The key id lets old and new keys coexist, so rotation rewrites no data.
"""
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag

from klinika.crypto import keystore
from klinika.crypto.errors import DecryptionFailed, KeyNotFound
from klinika.crypto.scope import cross_clinic_reason, current_clinic_id

VERSION = 1
HEADER = 1 + 16 + 12


def aad_suffix(table: str, column: str) -> bytes:
    return b"|" + table.encode() + b"|" + column.encode()


def write_key(clinic_id: UUID, subject_ref: UUID | None) -> keystore.UnwrappedKey:
    if subject_ref is None:
        return keystore.clinic_key(clinic_id, keystore.Purpose.DATA)
    return keystore.subject_key(clinic_id, subject_ref)


def encrypt(plaintext: bytes, key: keystore.UnwrappedKey, suffix: bytes) -> bytes:
    """`suffix` is aad_suffix(table, column), computed once per field."""
    nonce = os.urandom(12)
    body = key.aead.encrypt(nonce, plaintext, key.aad_prefix + suffix)
    return _VERSION_BYTE + key.key_id.bytes + nonce + body


def decrypt(blob: bytes, suffix: bytes) -> bytes:
    """Decrypt with the key the value names. Raises KeyDestroyed for shredded keys."""
    if len(blob) < HEADER + 16 or blob[0] != VERSION:
        raise DecryptionFailed(f"{_where(suffix)}: not a klinika ciphertext (unknown version or truncated)")
    key = keystore.key_by_raw_id(blob[1:17])
    context = current_clinic_id()
    # .int: UUID.__ne__ runs Python code on every value; comparing the ints is the same test in C.
    if context is not None and key.clinic_id.int != context.int and cross_clinic_reason() is None:
        raise KeyNotFound(f"{_where(suffix)}: the value is encrypted for another clinic")
    try:
        return key.aead.decrypt(blob[17:29], blob[29:], key.aad_prefix + suffix)
    except InvalidTag:
        raise DecryptionFailed(
            f"{_where(suffix)}: the value failed authentication (altered, or moved from another column or clinic)"
        ) from None


_VERSION_BYTE = bytes((VERSION,))


def _where(suffix: bytes) -> str:
    return suffix.decode(errors="replace").strip("|").replace("|", ".")
