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
    """The index a value is stored with: under the clinic's newest index key."""
    return compute_with(keystore.index_keys(clinic_id)[0], label, normalised)


def compute_all(clinic_id: UUID, label: str, normalised: str) -> list[bytes]:
    """Every index a stored value may carry: one while the clinic has one index key, two while
    `keys rotate --index` recomputes its indexes (a search looks for either)."""
    return [compute_with(key, label, normalised) for key in keystore.index_keys(clinic_id)]


def compute_with(key: keystore.UnwrappedKey, label: str, normalised: str) -> bytes:
    """HMAC-SHA256(index key, label | normalised), from the key's precomputed pads (same bytes
    as hmac.new(key, message, sha256), without keying a new HMAC on every call)."""
    inner, outer = key.hmac_pads
    inner = inner.copy()
    inner.update(label.encode() + b"|" + normalised.encode())
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.digest()[:LENGTH]
