"""Blind indexes: exact-match lookup on encrypted values without decrypting them.

index = HMAC-SHA256(clinic index key, "table.column" | normalised value), truncated to
16 bytes. The column name is mixed in so equal values in two columns do not correlate.
"""
import unicodedata
from uuid import UUID

from klinika.crypto import keystore

LENGTH = 16


def normalise_text(value: str) -> str:
    """Case-, accent-spacing- and whitespace-insensitive form (Polish letters kept)."""
    value = unicodedata.normalize("NFC", value).casefold()
    return " ".join(value.split())


def normalise_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def normalise_phone(value: str) -> str:
    digits = normalise_digits(value)
    if len(digits) == 11 and digits.startswith("48"):
        digits = digits[2:]  # +48 is the Polish prefix: 600100200 and +48 600 100 200 match
    return digits


def normalise_email(value: str) -> str:
    return value.strip().casefold()


def compute(clinic_id: UUID, label: str, normalised: str) -> bytes:
    """HMAC-SHA256(index key, label | normalised), from the key's precomputed pads (same bytes
    as hmac.new(key, message, sha256), without keying a new HMAC on every call)."""
    inner, outer = keystore.clinic_key(clinic_id, keystore.Purpose.INDEX).hmac_pads
    inner = inner.copy()
    inner.update(label.encode() + b"|" + normalised.encode())
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.digest()[:LENGTH]
