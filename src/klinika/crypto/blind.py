"""Blind indexes: exact-match lookup on encrypted values without decrypting them.

index = HMAC-SHA256(clinic index key, "table.column" | normalised value), truncated to
16 bytes. The column name is mixed in so equal values in two columns do not correlate.
"""
import re
import unicodedata
from uuid import UUID

from klinika.crypto import keystore

LENGTH = 16


def normalise_text(value: str) -> str:
    """Case-, accent-spacing- and whitespace-insensitive form (Polish letters kept)."""
    value = unicodedata.normalize("NFC", value).casefold()
    return " ".join(value.split())


# Letters NFKD does not split into a base letter and a mark (Polish ł above all).
_UNSPLIT = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe",
                          "ı": "i", "’": "", "'": "", "`": ""})
_PARTS = re.compile(r"[^\W_]+")
PREFIX_LETTERS = 3


def fold(value: str) -> str:
    """Case and diacritics folded: "Wójcik-Żółkiewska" -> "wojcik-zolkiewska", "Łukasz" -> "lukasz"."""
    value = unicodedata.normalize("NFKD", value.casefold().translate(_UNSPLIT))
    return "".join(ch for ch in value if not unicodedata.combining(ch))


def name_parts(value: str) -> list[str]:
    """The words of a folded name: hyphens, spaces and other punctuation separate them, an
    apostrophe does not ("O'Brien" is one word)."""
    return _PARTS.findall(fold(value))


def normalise_name(value: str) -> str:
    return " ".join(name_parts(value))


def normalise_first_part(value: str) -> str:
    """The first word of a name of several ("wojcik" of "Wójcik-Żółkiewska"); nothing for a one-word
    name, which the whole-name index finds already."""
    parts = name_parts(value)
    return parts[0] if len(parts) > 1 else ""


def normalise_last_part(value: str) -> str:
    parts = name_parts(value)
    return parts[-1] if len(parts) > 1 else ""


def normalise_prefix(value: str) -> str:
    """The first PREFIX_LETTERS letters of the name's first word (nothing for a shorter word)."""
    parts = name_parts(value)
    return parts[0][:PREFIX_LETTERS] if parts and len(parts[0]) >= PREFIX_LETTERS else ""


def normalise_last_prefix(value: str) -> str:
    """The first PREFIX_LETTERS letters of the last word of a name of several words."""
    parts = name_parts(value)
    return parts[-1][:PREFIX_LETTERS] if len(parts) > 1 and len(parts[-1]) >= PREFIX_LETTERS else ""


def truncate(token: bytes, bits: int) -> bytes:
    """The first `bits` bits of an index, the rest of its last byte zeroed."""
    whole, rest = divmod(bits, 8)
    if not rest:
        return token[:whole]
    return token[:whole] + bytes([token[whole] & (0xFF << (8 - rest)) & 0xFF])


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
