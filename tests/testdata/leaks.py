"""Looking for plaintext personal data in the bytes klinika leaves at rest.

Every value is looked for in every form a database could store it in: UTF-8 and
UTF-16-LE/BE (SQLite's three text encodings), each as NFC and NFD (a value typed on a
Mac, or normalised by some library on the way, arrives decomposed: "Śrem" as "S"+U+0301).

Matching. In raw database bytes (SQLite files, bytea values of a dump) a value is looked
for as a plain substring, not as a whole word: SQLite stores a row's values back to back
with no separator, so a leaked row reads "NataszaDawidczykdsemenowicz@drobot.com+48 660..."
and a whole-word rule (value not next to a letter or digit) would find none of it - the
demo clinic's own name is stored as "...demoPrzychodnia Demoactive...". A substring can be
a coincidence in two ways, and each is told apart exactly instead:

* Crypto output. Most bytes at rest are ciphertext, HMACs, wrapped keys and signatures,
  indistinguishable from random. A fixed n-byte string turns up in m random bytes about
  m / 256**n times: for a three-letter name ("Ewa") in the ~40 kB of such bytes in the
  demo databases about 1 in 400 runs, for six bytes or more below 1 in 10**9. So a hit
  of a value shorter than SHORT bytes counts only if it does not lie inside a value that
  is itself crypto output: a klinika ciphertext (version byte, then the id of a key in
  the keystore), a blind index, a wrapped key, a public key or a signature. A plaintext
  copy anywhere else (a text column, a log table, a freed page, the WAL) still counts.
* klinika's own public text. A fresh installation ships code lists of Polish medical
  terms, and some names are in there: ICD-10 "Białkomocz" contains the surname "Białk",
  A46 "Róża" (erysipelas) is a first name, N23 "Kolka nerkowa" holds the surname Kolka.
  For such a value grep cannot tell a leak from the code list; it is counted in the
  database's text cells instead, and leaks if it occurs there more often than in a
  freshly migrated database (without_public_words).

In text - a pg_dump in plain format - values must stand as whole words (not preceded or
followed by a letter or digit). COPY separates columns with tabs, so a leaked column value
is always a whole word there, and the rule keeps a short value from being "found" inside
a longer word of the dump (its SQL, a hex digest, a UUID). Plain format prints bytea as
hex, where a plaintext leak would hide, so every bytea value is also decoded and scanned
as raw bytes (above).
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SHORT = 6  # needles shorter than this many bytes get the crypto-output check
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")
CRYPTO_COLUMNS = {"wrapped", "public_key", "signature"}
ENVELOPE_VERSION = 1
ENVELOPE_MIN = 1 + 16 + 12 + 16  # version | key id | nonce | GCM tag (empty plaintext)


def forms(value: str) -> list[tuple[str, str]]:
    """The value as NFC and NFD (and as given, if it is neither)."""
    seen, out = set(), []
    for label, form in (("as-is", value), ("NFC", unicodedata.normalize("NFC", value)),
                        ("NFD", unicodedata.normalize("NFD", value))):
        if form not in seen:
            seen.add(form)
            out.append((label, form))
    return out


@dataclass
class Hit:
    where: str
    label: str
    value: str
    form: str
    offset: int
    context: bytes

    def __str__(self):
        return f"{self.label}={self.value!r} ({self.form}) in {self.where} at {self.offset}: {self.context!r}"


def _intervals(data: bytes, blobs: set[bytes]) -> list[tuple[int, int]]:
    """Where the crypto-output blobs sit in `data` (every occurrence: tables, indexes, WAL)."""
    spans = []
    for blob in blobs:
        start = data.find(blob)
        while start != -1:
            spans.append((start, start + len(blob)))
            start = data.find(blob, start + 1)
    return sorted(spans)


def _inside(spans, start, end) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def scan_bytes(data: bytes, where: str, values, crypto_blobs: set[bytes] = frozenset()) -> list[Hit]:
    """Substring search in raw bytes, every encoding and normal form (module docstring)."""
    hits, spans = [], None
    for label, value in values:
        for form, text in forms(value):
            for encoding in ENCODINGS:
                needle = text.encode(encoding)
                start = data.find(needle)
                while start != -1:
                    end = start + len(needle)
                    if len(needle) < SHORT:
                        if spans is None:
                            spans = _intervals(data, crypto_blobs)
                        if _inside(spans, start, end):  # inside AES-GCM / HMAC / Ed25519 output
                            start = data.find(needle, start + 1)
                            continue
                    hits.append(Hit(where, label, value, f"{encoding}/{form}", start,
                                    data[max(0, start - 24):end + 24]))
                    start = data.find(needle, start + 1)
    return hits


def substring_counts(text: bytes, values) -> Counter:
    """How often each value occurs in UTF-8 `text` (cells joined by NULs, which no needle
    holds, so no occurrence spans two cells)."""
    return Counter(hit.value for hit in scan_bytes(text, "", values))


def word_counts(text: str, values) -> Counter:
    """How often each value stands as a whole word in `text`."""
    return Counter(hit.value for hit in scan_text(text, "", values))


def without_public_words(hits: list[Hit], values, public: Counter, found: Counter, where=None) -> list[Hit]:
    """Drop the hits that klinika's own public text explains (module docstring).

    `public` counts each value in a freshly migrated database's text, `found` in the
    scanned database's text (the same way: substrings for raw bytes, whole words for a
    dump); a value found no more often than in public text is exempt. `where` limits this
    to the database that holds the code lists (and its "-wal").
    """
    over = {value for value in public if found[value] > public[value]}

    def in_scope(hit):
        return where is None or hit.where == where or hit.where.startswith(where + "-")

    return [hit for hit in hits if hit.value not in public or hit.value in over or not in_scope(hit)]


def _word(value: str) -> re.Pattern:
    # Not preceded or followed by a letter or digit (any script: "Łódź" counts as letters).
    return re.compile(r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])")


def scan_text(text: str, where: str, values) -> list[Hit]:
    """Whole-word search in text, NFC and NFD."""
    hits = []
    for label, value in values:
        for form, variant in forms(value):
            for match in _word(variant).finditer(text):
                context = text[max(0, match.start() - 40):match.end() + 40].encode()
                hits.append(Hit(where, label, value, form, match.start(), context))
    return hits


def scan_blobs(blobs: list[tuple[str, bytes]], where: str, values, crypto_blobs: set[bytes]) -> list[Hit]:
    """scan_bytes over many separate values at once. They are joined with runs of NUL
    bytes, which no needle spans (UTF-8 needles hold no NUL; UTF-16 needles never eight
    in a row), so no hit is made of the end of one value and the start of the next."""
    return scan_bytes(b"\0" * 8 + (b"\0" * 8).join(value for _, value in blobs) + b"\0" * 8,
                      where, values, crypto_blobs)


# ---------------------------------------------------------------------------- SQLite


def sqlite_cells(db: Path, kind: str):
    """(table, column, value) of every cell of SQLite type `kind` ('text', 'blob').

    Opens the file through sqlite3, so it must be a disposable copy (opening a database,
    and replaying its WAL, may write to it); the scanned bytes were read before.
    """
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]:
                query = f'SELECT "{column}" FROM "{table}" WHERE typeof("{column}") = ?'
                for (value,) in con.execute(query, (kind,)):
                    yield table, column, value
    finally:
        con.close()


def sqlite_crypto_blobs(db_files: list[Path]) -> set[bytes]:
    """Every value in the given SQLite databases that is crypto output (see docstring)."""
    rows = [(column, bytes(value)) for db in db_files for _, column, value in sqlite_cells(db, "blob")]
    key_ids = {bytes.fromhex(value.replace("-", "")) for db in db_files
               for table, column, value in sqlite_cells(db, "text")
               if table == "crypto_datakey" and column == "key_id"}
    return {value for column, value in rows if is_crypto_output(column, value, key_ids)}


def sqlite_text(db_files: list[Path]) -> bytes:
    """Every text cell of the databases, UTF-8, one after another with NULs between."""
    return b"\0".join(value.encode() for db in db_files for _, _, value in sqlite_cells(db, "text"))


def is_crypto_output(column: str, value: bytes, key_ids: set[bytes]) -> bool:
    if column in CRYPTO_COLUMNS or (column.endswith("_index") and len(value) == 16):
        return len(value) >= 16
    return len(value) >= ENVELOPE_MIN and value[0] == ENVELOPE_VERSION and value[1:17] in key_ids


# ---------------------------------------------------------------------------- pg_dump

_COPY = re.compile(r"^COPY (?P<table>\S+) \((?P<columns>[^)]*)\) FROM stdin;\n(?P<body>.*?)^\\\.$",
                   re.MULTILINE | re.DOTALL)


def _copy_field(raw: str) -> str | None:
    """Undo COPY text-format escaping of one field (enough for the values klinika stores)."""
    if raw == r"\N":
        return None
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(m[1], m[1]), raw)


def copy_blocks(dump: str) -> dict[str, tuple[list[str], list[list[str | None]]]]:
    """table -> (columns, rows) of every COPY block of a plain-format dump."""
    tables = {}
    for block in _COPY.finditer(dump):
        columns = [c.strip().strip('"') for c in block["columns"].split(",")]
        rows = [[_copy_field(f) for f in line.split("\t")] for line in block["body"].splitlines()]
        tables[block["table"].split(".")[-1].strip('"')] = (columns, rows)
    return tables


def dump_bytea_values(dumps: list[str]) -> tuple[list[tuple[str, bytes]], set[bytes]]:
    """Every bytea value ('\\x…') of the dumps decoded, and which of them are crypto output."""
    tables = {}
    for dump in dumps:
        tables.update(copy_blocks(dump))
    key_ids = set()
    if "crypto_datakey" in tables:
        columns, rows = tables["crypto_datakey"]
        at = columns.index("key_id")
        key_ids = {bytes.fromhex(row[at].replace("-", "")) for row in rows}
    values, crypto = [], set()
    for table, (columns, rows) in tables.items():
        for row in rows:
            for column, field in zip(columns, row, strict=True):
                if field is not None and field.startswith("\\x") and re.fullmatch(r"\\x[0-9a-f]*", field):
                    value = bytes.fromhex(field[2:])
                    values.append((f"{table}.{column}", value))
                    if is_crypto_output(column, value, key_ids):
                        crypto.add(value)
    return values, crypto
